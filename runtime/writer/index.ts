export { RecordWriter } from './record-writer.js';
