export * from './types';
export * from './defaults';
export * from './score';
export * from './drift';
export * from './episodes';
export * from './seriesDetector';
