// What the data plugin serves: per data set, its gzipped IDX files and their sizes in bytes.
export const DATASETS = ['mnist', 'fashion'] as const;
export type DatasetName = (typeof DATASETS)[number];
/** data/index.json: data set → { 'data/<set>/<file>.gz': bytes }. */
export type DataIndex = Record<DatasetName, Record<string, number>>;
