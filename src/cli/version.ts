/** anomalyd's version, written into model metadata and shown by --version. */
export const VERSION = '0.1.0';
