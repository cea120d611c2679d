import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackStandIn } from '../../../test/support/slack-server.js';
import { loadConfig } from '../../config/config.js';
import { slackCheck } from './service-checks.js';

describe('the doctor’s Slack check', () => {
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = await SlackStandIn.start();
  });
  afterAll(() => slack.stop());

  it('adds no row when Slack is not configured', async () => {
    expect(await slackCheck(loadConfig({}))).toEqual([]);
  });

  it('passes with a bot token Slack accepts, naming the bot and the workspace', async () => {
    const [check] = await slackCheck(loadConfig(slack.env(['U0OWNER'])));
    expect(check).toMatchObject({ group: 'slack', name: 'auth.test', status: 'pass', detail: expect.stringMatching(/bot mycel .* workspace Mycel Test, Events API/) });
  });

  it('fails on a token Slack refuses, with a hint naming SLACK_BOT_TOKEN and never the token', async () => {
    const wrong = 'xoxb-0-0-wrongtokenvalue1234';
    const [check] = await slackCheck(loadConfig({ ...slack.env(['U0OWNER']), SLACK_BOT_TOKEN: wrong }));
    expect(check).toMatchObject({ status: 'fail', detail: expect.stringMatching(/rejected the bot token \(invalid_auth\)/), hint: expect.stringMatching(/SLACK_BOT_TOKEN/) });
    expect(JSON.stringify(check)).not.toContain('wrongtokenvalue');
  });
});
