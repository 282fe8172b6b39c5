import { tesseraVitest } from '@tessera/config/vitest';

export default tesseraVitest();
