import { lastChat } from './chats.js';
import { isChatId } from './ids.js';
import { navigate, type Location } from './router.js';

/** The chat a dashboard page shows: `?chat=` in the URL, else the last chat opened here. */
export function chatParam(location: Location): { chatId: string | undefined; choose(chatId: string): void } {
  const fromUrl = location.query.get('chat') ?? '';
  const chatId = isChatId(fromUrl) ? fromUrl : lastChat();
  return {
    chatId,
    choose: (id) => navigate(`${location.path}?chat=${encodeURIComponent(id)}`, { replace: true }),
  };
}
