import { canonicalTimeZone } from '../../../conversation/chats.js';
import { call, describeFailure, reply, type OfflineCommand } from '../command.js';

/** The local time in a zone, `14:05` style. */
function localTime(now: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(new Date(now));
}

/** `/timezone [<IANA zone>]`: shows or sets the chat's time zone (chat settings). */
export function conversationCommands(): OfflineCommand[] {
  const timezone: OfflineCommand = {
    name: 'timezone',
    aliases: ['tz'],
    usage: '/timezone <IANA zone>',
    example: '/timezone Europe/Berlin',
    summary: 'set the time zone in which I read and show your times (without a zone: show it)',
    run(turn) {
      const { input } = turn;
      if (!turn.args) {
        return reply(`Your time zone is ${input.timeZone} (it is ${localTime(input.now, input.timeZone)} there). Change it with /timezone <IANA zone>, for example /timezone Europe/Berlin.`);
      }
      const zone = canonicalTimeZone(turn.args);
      if (!zone) return reply(`"${turn.args}" is not a time zone I know. Use an IANA name such as Europe/Berlin, America/New_York or UTC.`);
      const outcome = turn.result('chat.timezone');
      if (!outcome) return call({ tool: 'chat.timezone', input: { timeZone: zone } });
      if (outcome.status !== 'ok') return reply(`I could not change the time zone: ${describeFailure(outcome)}`);
      const set = (outcome.output as { timeZone: string }).timeZone;
      return reply(`Time zone set to ${set}. It is ${localTime(input.now, set)} there.`);
    },
  };
  return [timezone];
}
