import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/index.js';

const IRIS = `sepal_length,sepal_width,species,count,ok
5.1,3.5,setosa,1,true
6.2,2.9,versicolor,-2,FALSE
5.9,3.0,virginica,3,1
`;

describe('parseCsv', () => {
  it('parses typed columns by header name, in the order of options.columns', () => {
    const r = parseCsv(IRIS, { columns: { species: 'string', count: 'int32', sepal_length: 'float32', ok: 'bool' } });
    expect(r.numRows).toBe(3);
    expect(r.names).toEqual(['species', 'count', 'sepal_length', 'ok']);
    expect(r.columns.species).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(r.columns.count).toBeInstanceOf(Int32Array);
    expect([...r.columns.count]).toEqual([1, -2, 3]);
    expect(r.columns.sepal_length).toBeInstanceOf(Float32Array);
    expect([...r.columns.sepal_length]).toEqual([5.1, 6.2, 5.9].map(Math.fround));
    expect([...r.columns.ok]).toEqual([1, 0, 1]);
    expect(r.labeled).toBeUndefined();
  });

  it('builds features and labels with labelColumn (string labels become class indices)', () => {
    const r = parseCsv(IRIS, {
      columns: { sepal_length: 'float32', sepal_width: 'float32', species: 'string', ok: 'bool' },
      labelColumn: 'species',
    });
    const l = r.labeled!;
    expect(l.featureNames).toEqual(['sepal_length', 'sepal_width', 'ok']);
    expect(l.xsShape).toEqual([3, 3]);
    expect([...l.xs.subarray(3, 6)]).toEqual([6.2, 2.9, 0].map(Math.fround));
    expect(l.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect([...l.ys]).toEqual([0, 1, 2]);
    const given = parseCsv(IRIS, { columns: { sepal_length: 'float32', species: 'string' }, labelColumn: 'species', classes: ['virginica', 'versicolor', 'setosa'] });
    expect([...given.labeled!.ys]).toEqual([2, 1, 0]);
    expect(() => parseCsv(IRIS, { columns: { sepal_length: 'float32', species: 'string' }, labelColumn: 'species', classes: ['setosa'] })).toThrow(
      /data row 2, column 'species': 'versicolor' is not one of options.classes/,
    );
    const numeric = parseCsv(IRIS, { columns: { sepal_length: 'float32', count: 'int32' }, labelColumn: 'count' });
    expect(numeric.labeled!.ys).toBeInstanceOf(Int32Array);
    expect([...numeric.labeled!.ys]).toEqual([1, -2, 3]);
  });

  it('handles no header, other delimiters, quotes, CRLF, a BOM and blank lines', () => {
    const text = '\ufeff1;"a;b";2.5\r\n\r\n2;"say ""hi""\nthere";-1e3\r\n';
    const r = parseCsv(text, { header: false, delimiter: ';', columns: { id: 'int32', text: 'string', v: 'float32' } });
    expect(r.numRows).toBe(2);
    expect([...r.columns.id]).toEqual([1, 2]);
    expect(r.columns.text).toEqual(['a;b', 'say "hi"\nthere']);
    expect([...r.columns.v]).toEqual([2.5, -1000]);
    const special = parseCsv('x\nnan\n-inf\n.5\n', { columns: { x: 'float32' } });
    expect([...special.columns.x]).toEqual([NaN, -Infinity, 0.5]);
  });

  it('reports bad values naming line, row and column', () => {
    const bad = 'a,b\n1,2\n3,x\n';
    expect(() => parseCsv(bad, { columns: { a: 'int32', b: 'float32' } })).toThrow(/line 3 \(data row 2\), column 'b': 'x' is not a float32 number/);
    expect(() => parseCsv('a\n1.5\n', { columns: { a: 'int32' } })).toThrow(/line 2 \(data row 1\), column 'a': '1.5' is not an int32/);
    expect(() => parseCsv('a\n3000000000\n', { columns: { a: 'int32' } })).toThrow(/3000000000 is outside the int32 range/);
    expect(() => parseCsv('a\nmaybe\n', { columns: { a: 'bool' } })).toThrow(/column 'a': 'maybe' is not a bool/);
    expect(() => parseCsv('a,b\n1,\n', { columns: { a: 'int32', b: 'float32' } })).toThrow(/line 2 \(data row 1\), column 'b': empty value, expected a float32 number/);
    expect([...parseCsv('a,b\n1,\n', { columns: { b: 'float32' }, missingValue: NaN }).columns.b]).toEqual([NaN]);
    expect(() => parseCsv('a,b\n1,2,3\n', { columns: { a: 'int32' } })).toThrow(/line 2 \(data row 1\) has 3 fields, expected 2 as in the header/);
    expect(() => parseCsv('a,b\n1,2\n', { columns: { c: 'int32' } })).toThrow(/column 'c' is not in the header \(it has: a, b\)/);
    expect(() => parseCsv('a\n"open\n', { columns: { a: 'string' } })).toThrow(/line 2: quoted field is never closed/);
    expect(() => parseCsv('a\n"x"y\n', { columns: { a: 'string' } })).toThrow(/line 2: unexpected "y" after a closing quote/);
    expect(() => parseCsv('a\n1\n', { columns: { a: 'float64' as 'float32' } })).toThrow(/column 'a' has type "float64", expected one of/);
    expect(() => parseCsv('a\n1\n', { columns: { a: 'int32' }, labelColumn: 'b' as 'a' })).toThrow(/labelColumn 'b' is not one of options.columns/);
  });
});
