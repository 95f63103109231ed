/** This package's version, recorded in every saved model. Kept equal to package.json's by a test. */
export const NER_VERSION = '0.1.0';
