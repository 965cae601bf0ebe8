export {
  bindLogger,
  type ChildLogger,
  isBindableLogger,
  type WritableLogger,
} from '../bind-logger.js';
export { type CreatePinoLoggerOptions, createPinoLogger } from './create-logger.js';
export { type TraceMixin, type TraceMixinOptions, traceMixin } from './mixin.js';
