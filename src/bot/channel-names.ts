// What to call the channel a command was typed in, e.g. "General (Finance)". Teams sends
// channel and team names only with some events, not with messages, so the names are asked
// of Teams (team details and channel list) when the activity lacks them. The General
// channel has no name in that list: it is "General".
import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Logger } from '../logger.js';

export async function channelNameOf(context: TurnContext, log: Logger): Promise<string> {
  const activity = context.activity;
  const data = activity.channelData as { channel?: { id?: string; name?: string }; team?: { id?: string; name?: string } } | undefined;
  let channel = data?.channel?.name ?? activity.conversation.name ?? undefined;
  let team = data?.team?.name;
  if ((!channel || !team) && data?.team?.id) {
    try {
      const [details, channels] = await Promise.all([
        team ? undefined : TeamsInfo.getTeamDetails(context),
        channel ? undefined : TeamsInfo.getTeamChannels(context),
      ]);
      team ??= details?.name;
      const channelId = data.channel?.id ?? activity.conversation.id.split(';')[0];
      const listed = channels?.find((c) => c.id === channelId);
      if (listed) channel = listed.name || 'General';
    } catch (error) {
      log.warn({ err: error, teamId: data.team.id }, 'could not read the team and channel names');
    }
  }
  if (!channel) return team ? `a channel of ${team}` : 'this channel';
  return team ? `${channel} (${team})` : channel;
}
