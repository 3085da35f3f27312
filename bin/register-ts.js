// Registers tsx's loader in the thread that imports this module. Worker
// threads started from TypeScript sources load it first (`--import`), since
// Node 20 does not carry the main thread's loader into a worker.
import { register } from "tsx/esm/api";

register();
