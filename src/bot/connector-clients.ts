// botbuilder's CloudAdapter builds a new ConnectorClient and UserTokenClient for every turn and
// every proactive send: each a fresh HTTP pipeline of a dozen policies and a new credentials
// object. That was a tenth of the bot's CPU per turn and of a delivery instance's per message
// (CPU profiles of `npm run bench`). The clients hold no per-turn state, so they are built
// once per bot app id, Bot Connector service URL and audience, and reused, as botbuilder's
// older BotFrameworkAdapter did; the credentials they keep also keep their token until it
// expires. Authentication itself is untouched: every request is still validated by the
// wrapped BotFrameworkAuthentication.
import {
  AuthenticationConstants,
  BotFrameworkAuthentication,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import type { Activity } from 'botbuilder';
import type { TeamsAdapter } from '@microsoft/teams-ai';

/**
 * Clients kept at most: an activity names its service URL, and with authentication off (local
 * mode) anyone may name any, so the number kept is bounded (the oldest goes first).
 */
const MOST_KEPT = 64;

/** Makes the adapter reuse its Bot Connector clients (see above). */
export function reuseConnectorClients(adapter: TeamsAdapter): void {
  const holder = adapter as unknown as { botFrameworkAuthentication: BotFrameworkAuthentication };
  holder.botFrameworkAuthentication = new ReusingBotFrameworkAuthentication(holder.botFrameworkAuthentication);
}

export class ReusingBotFrameworkAuthentication extends BotFrameworkAuthentication {
  private readonly connectorClients = new Kept<ConnectorClient>();
  private readonly userTokenClients = new Kept<UserTokenClient>();

  constructor(private readonly inner: BotFrameworkAuthentication) {
    super();
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const result = await this.inner.authenticateRequest(activity, authHeader);
    if (!result.connectorFactory) return result;
    return { ...result, connectorFactory: this.reusing(result.claimsIdentity, result.connectorFactory) };
  }

  authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.inner.authenticateStreamingRequest(authHeader, channelIdHeader);
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.reusing(claimsIdentity, this.inner.createConnectorFactory(claimsIdentity));
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.userTokenClients.get(appIdOf(claimsIdentity), () => this.inner.createUserTokenClient(claimsIdentity));
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  private reusing(claimsIdentity: ClaimsIdentity, factory: ConnectorFactory): ConnectorFactory {
    const appId = appIdOf(claimsIdentity);
    const clients = this.connectorClients;
    return new (class extends ConnectorFactory {
      create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
        return clients.get(`${appId}\n${serviceUrl}\n${audience ?? ''}`, () => factory.create(serviceUrl, audience));
      }
    })();
  }
}

/** The bot app id a request's clients act as (as botbuilder reads it: the token's audience, else its appid claim). */
function appIdOf(claimsIdentity: ClaimsIdentity): string {
  return (
    claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ??
    claimsIdentity.getClaimValue(AuthenticationConstants.AppIdClaim) ??
    ''
  );
}

/** Clients by key, built once (a failed build is not kept), the oldest let go beyond MOST_KEPT. */
class Kept<T> {
  private readonly clients = new Map<string, Promise<T>>();

  get(key: string, build: () => Promise<T>): Promise<T> {
    const kept = this.clients.get(key);
    if (kept) return kept;
    const built = build();
    this.clients.set(key, built);
    built.catch(() => {
      if (this.clients.get(key) === built) this.clients.delete(key);
    });
    if (this.clients.size > MOST_KEPT) this.clients.delete(this.clients.keys().next().value!);
    return built;
  }
}
