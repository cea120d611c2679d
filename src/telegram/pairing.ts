/** Owners and pairing are shared by every channel: see src/channels/pairing.ts. */
export * from '../channels/pairing.js';
