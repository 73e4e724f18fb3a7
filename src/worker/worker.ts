// Dedicated worker entry: WebGPU and the chip model run here, behind the Comlink facade.
import { exposeApi } from './api.ts';

exposeApi();
