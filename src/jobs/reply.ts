import type { View } from '../bot/views/blocks.ts';
import type { SlackGateway } from '../adapters/slack.ts';
import type { JobEnvelope } from './job-data.ts';

// Answers the person who asked, privately: through the command's response_url (which replaces the
// "working on it" note), else as an ephemeral message in the channel, else as a DM.
export async function replyToRequester(slack: SlackGateway, data: JobEnvelope, message: View): Promise<void> {
  if (data.responseUrl) {
    try {
      await slack.respond(data.responseUrl, { response_type: 'ephemeral', replace_original: true, ...message });
      return;
    } catch {
      // response_url expires after 30 minutes or 5 uses; fall through to the Web API.
    }
  }
  if (data.channelId) {
    try {
      await slack.postEphemeral(data.channelId, data.requestedBy.userId, message);
      return;
    } catch {
      // not in the channel (DMs, private channels): a direct message still reaches them.
    }
  }
  await slack.postMessage(data.requestedBy.userId, message);
}
