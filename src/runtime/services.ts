import type { Client, Connection } from '@temporalio/client';
import { OutboundChannels } from '../channels/outbound.js';
import type { MycelConfig } from '../config/config.js';
import { createIngress, turnOptionsFromConfig, type Ingress } from '../conversation/ingress.js';
import type { ReplyStreams } from '../conversation/reply-stream.js';
import type { ActivityDeps } from '../deps/activity-deps.js';
import type { Logger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { MycelError } from '../shared/errors.js';
import { openMigratedDatabase, type Store } from '../storage/database.js';
import { createTelegramClient, type TelegramClient } from '../telegram/client.js';
import { TELEGRAM_CAPABILITIES } from '../telegram/adapter.js';
import { createTelegramSender } from '../telegram/component.js';
import { connectClient, targetFromConfig } from '../temporal/client.js';
import { startEmbeddedTemporal, type EmbeddedTemporal } from '../temporal/dev-server.js';
import { createWhatsAppClient, type WhatsAppClient } from '../whatsapp/client.js';
import { createWhatsAppSender } from '../whatsapp/component.js';
import { createDiscordSender } from '../discord/component.js';
import { createSlackClient, type SlackClient } from '../slack/client.js';
import { createSlackSender } from '../slack/component.js';
import { createDiscordRest, type DiscordRest } from '../discord/rest.js';
import type { Lifecycle } from './lifecycle.js';
import { ownPortsFromConfig, type OwnPorts } from './own-ports.js';
import { openReplyStreams } from './reply-streams.js';
import { readRuntimeInfo } from './runtime-file.js';

/** Which parts a process runs. */
export interface ProcessParts {
  /** Run an embedded Temporal dev server when no TEMPORAL_ADDRESS is set. */
  embedded: boolean;
  worker: boolean;
  gateway: boolean;
}

/** The API clients of the configured pushing channels, one per process (one rate limiter each). */
export interface ChannelClients {
  readonly telegram: TelegramClient | undefined;
  readonly whatsapp: (WhatsAppClient & { phoneNumberId: string }) | undefined;
  readonly discord: { rest: DiscordRest; token: string } | undefined;
  readonly slack: SlackClient | undefined;
}

/**
 * Everything a process builds once, before any part runs: the composition root's output.
 * Fully built and immutable; each part receives only the fields it uses.
 */
export interface Services {
  readonly config: MycelConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Ports of this process and its Temporal server (the http tool never reaches them). */
  readonly ownPorts: OwnPorts;
  /** Reply parts as brain steps produce them: shared by the worker, the HTTP API and the channels. */
  readonly replies: ReplyStreams;
  /** Where Temporal listens: the embedded server's address, or TEMPORAL_ADDRESS. */
  readonly temporalAddress: string;
  /** The embedded Temporal server, when this process runs one. */
  readonly embedded: EmbeddedTemporal | undefined;
  readonly store: Store;
  readonly client: Client;
  readonly connection: Connection;
  /** Every inbound message of this process goes through here (HTTP, channels, MCP). */
  readonly ingress: Ingress;
  readonly channels: ChannelClients;
  /** Senders of the pushing channels (registered in a worker, which delivers replies). */
  readonly outbound: OutboundChannels;
}

/** The slice of the services that activities and tools use. */
export function activityDepsOf(services: Services): ActivityDeps {
  const { config, store, logger, metrics, client, outbound, ownPorts, replies } = services;
  return { config, store, logger, metrics, temporal: client, outbound, ownPorts, replies };
}

/** A worker and a gateway need a Temporal server to talk to; only `mycel start` brings its own. */
function requireAddress(config: MycelConfig, parts: ProcessParts): void {
  if (!parts.embedded && !config.temporal.address) {
    throw new MycelError(
      'TEMPORAL_ADDRESS_REQUIRED',
      'TEMPORAL_ADDRESS is not set; `mycel worker` and `mycel gateway` run against an existing Temporal server.',
      'set TEMPORAL_ADDRESS=host:port (for example 127.0.0.1:7233), or run `mycel start` for everything in one process',
    );
  }
}

/** The embedded Temporal server, refused when another Mycel already runs on the data dir. */
async function openEmbeddedTemporal(lifecycle: Lifecycle, config: MycelConfig, logger: Logger): Promise<EmbeddedTemporal> {
  return lifecycle.open({
    name: 'embedded-temporal',
    async start() {
      const live = readRuntimeInfo(config.dataDir);
      if (live && live.pid !== process.pid) {
        throw new MycelError('ALREADY_RUNNING', `Mycel is already running on data dir ${config.dataDir} (pid ${live.pid}).`, 'stop it first, or set MYCEL_DATA_DIR to another folder');
      }
      return startEmbeddedTemporal({
        dataDir: config.dataDir,
        namespace: config.temporal.namespace,
        logger,
        binary: { explicit: config.temporal.binary, progress: (line) => process.stderr.write(`${line}\n`) },
        ui: config.temporal.ui,
      });
    },
    stop: (server) => server.stop(),
  });
}

/** The API clients of the channels configured (they do no I/O until used). */
function channelClients(config: MycelConfig, logger: Logger, metrics: Metrics): ChannelClients {
  const { token, apiRoot } = config.telegram;
  const { accessToken, phoneNumberId } = config.whatsapp;
  const discordToken = config.discord.token;
  return {
    telegram: token ? createTelegramClient({ token, apiRoot, metrics }) : undefined,
    whatsapp:
      config.whatsapp.enabled && accessToken && phoneNumberId
        ? Object.assign(createWhatsAppClient({ apiRoot: config.whatsapp.apiRoot, accessToken, phoneNumberId, logger: logger.child({ component: 'whatsapp' }) }), { phoneNumberId })
        : undefined,
    discord: discordToken ? { rest: createDiscordRest({ apiRoot: config.discord.apiRoot, token: discordToken }), token: discordToken } : undefined,
    slack: config.slack.enabled && config.slack.botToken ? createSlackClient({ apiRoot: config.slack.apiRoot, botToken: config.slack.botToken, logger: logger.child({ component: 'slack' }) }) : undefined,
  };
}

/**
 * Registers the sender of every configured pushing channel. A new channel adds one line here
 * (and its client in `channelClients`): replies, reminders and approval requests reach it.
 */
function registerSenders(outbound: OutboundChannels, channels: ChannelClients, deps: { store: Store; logger: Logger; metrics: Metrics }): void {
  if (channels.telegram) outbound.register('telegram', createTelegramSender({ ...deps, client: channels.telegram }), TELEGRAM_CAPABILITIES);
  if (channels.whatsapp) outbound.register('whatsapp', createWhatsAppSender({ ...deps, client: channels.whatsapp }));
  if (channels.discord) outbound.register('discord', createDiscordSender({ ...deps, rest: channels.discord.rest }));
  if (channels.slack) outbound.register('slack', createSlackSender({ ...deps, client: channels.slack }));
}

/**
 * The composition root: builds a process's services once, in dependency order — Temporal
 * (embedded unless TEMPORAL_ADDRESS), database, Temporal client, then what is built from
 * them (ingress, channel clients and senders). Each resource is opened on `lifecycle`, which
 * stops them in reverse order; a failure stops those already open and rethrows.
 */
export async function openServices(lifecycle: Lifecycle, config: MycelConfig, logger: Logger, parts: ProcessParts): Promise<Services> {
  requireAddress(config, parts);
  const metrics = new Metrics();
  const ownPorts = ownPortsFromConfig(config);

  const embedded = parts.embedded && !config.temporal.address ? await openEmbeddedTemporal(lifecycle, config, logger) : undefined;
  if (embedded) ownPorts.add(...embedded.ports);
  const temporalAddress = embedded?.address ?? config.temporal.address;
  // requireAddress made sure one of the two is there; this only narrows the type.
  if (!temporalAddress) throw new Error('no Temporal address');

  const store = await lifecycle.open({
    name: 'database',
    async start() {
      const opened = await openMigratedDatabase(config.databaseUrl);
      logger.info({ database: opened.description }, 'database ready');
      return opened;
    },
    stop: (opened) => opened.close(),
  });
  const replies = await openReplyStreams(lifecycle, parts, store, config.databaseUrl, logger);

  const { client, connection } = await lifecycle.open({
    name: 'temporal-client',
    start: () => connectClient(targetFromConfig(config, temporalAddress)),
    stop: (connected) => connected.connection.close(),
  });

  const ingress = createIngress(client, { ...turnOptionsFromConfig(config), store, metrics, logger });
  const channels = channelClients(config, logger, metrics);
  const outbound = new OutboundChannels();
  if (parts.worker) registerSenders(outbound, channels, { store, logger, metrics });

  return Object.freeze({ config, logger, metrics, ownPorts, replies, temporalAddress, embedded, store, client, connection, ingress, channels, outbound });
}
