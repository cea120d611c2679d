import { channelContractSuite } from '../support/channel-contract.js';
import { discordHarness, emailHarness, slackHarness, slackSocketHarness, telegramHarness, whatsappHarness } from '../support/channel-harnesses.js';
import { DOVECOT_AVAILABLE, DOVECOT_SKIP_REASON } from '../support/mail-server.js';

// One suite, every channel adapter, each against its stand-in service.
channelContractSuite('Telegram', telegramHarness);
channelContractSuite('WhatsApp', whatsappHarness);
channelContractSuite('Discord', discordHarness);
channelContractSuite('Slack', slackHarness);
channelContractSuite('Slack in Socket Mode', slackSocketHarness);
channelContractSuite('email', emailHarness, DOVECOT_AVAILABLE ? undefined : DOVECOT_SKIP_REASON);
