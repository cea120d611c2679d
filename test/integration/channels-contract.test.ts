import { channelContractSuite } from '../support/channel-contract.js';
import { discordHarness, slackHarness, slackSocketHarness, telegramHarness, whatsappHarness } from '../support/channel-harnesses.js';

// One suite, every channel adapter, each against its stand-in service.
channelContractSuite('Telegram', telegramHarness);
channelContractSuite('WhatsApp', whatsappHarness);
channelContractSuite('Discord', discordHarness);
channelContractSuite('Slack', slackHarness);
channelContractSuite('Slack in Socket Mode', slackSocketHarness);
