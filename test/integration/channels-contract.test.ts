import { channelContractSuite } from '../support/channel-contract.js';
import { discordHarness, emailHarness, telegramHarness, whatsappHarness } from '../support/channel-harnesses.js';
import { DOVECOT_AVAILABLE, DOVECOT_SKIP_REASON } from '../support/mail-server.js';

// One suite, every channel adapter, each against its stand-in service.
channelContractSuite('Telegram', telegramHarness);
channelContractSuite('WhatsApp', whatsappHarness);
channelContractSuite('Discord', discordHarness);
channelContractSuite('email', emailHarness, DOVECOT_AVAILABLE ? undefined : DOVECOT_SKIP_REASON);
