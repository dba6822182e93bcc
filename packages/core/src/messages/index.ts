export type { MessageType, ValidatedMessage } from './schemas.js';
export {
  ImageMessage,
  ImageUrl,
  OutboundMessage,
  Recipient,
  TemplateComponent,
  TemplateMessage,
  TemplateParameter,
  TextMessage,
} from './schemas.js';
export { validateMessage } from './validate.js';
