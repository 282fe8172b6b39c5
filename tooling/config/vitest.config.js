import { tesseraVitest } from './vitest.js';

export default tesseraVitest({ test: { include: ['test/**/*.test.js'] } });
