import { decisionTelecom } from '@parley/adapter-decisiontelecom';
import { whatsappCloud } from '@parley/adapter-whatsapp-cloud';
import { wolkvox } from '@parley/adapter-wolkvox';
import type { ProviderDefinition } from '@parley/core';

/** Every provider the CLI knows. */
export const providers: readonly ProviderDefinition[] = [decisionTelecom, wolkvox, whatsappCloud];
