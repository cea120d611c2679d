import { isChatId } from './ids.js';

const RECENT_KEY = 'mycel.recentChats';
/** How many chats the picker remembers in this browser. */
export const MAX_RECENT_CHATS = 20;

function store(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/** Chat ids opened in this browser, most recent first (chat ids only; no message content). */
export function recentChats(): string[] {
  try {
    const list = JSON.parse(store()?.getItem(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string' && isChatId(x)) : [];
  } catch {
    return [];
  }
}

export function rememberChat(chatId: string): void {
  const list = [chatId, ...recentChats().filter((c) => c !== chatId)].slice(0, MAX_RECENT_CHATS);
  store()?.setItem(RECENT_KEY, JSON.stringify(list));
}

/** The chat the dashboard pages show by default: the last one opened. */
export function lastChat(): string | undefined {
  return recentChats()[0];
}
