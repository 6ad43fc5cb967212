// The web trainer's public surface (`tracelab/web`): load a class file and serve it.
export { loadClassFile, libraryClass, type ClassConfig, type ClassStep } from './class-file.js';
export { startClassServer, type ClassServer, type ServeOptions } from './server.js';
export type { ClientMessage, ServerMessage, TraineeRow, TraineeState } from './protocol.js';
