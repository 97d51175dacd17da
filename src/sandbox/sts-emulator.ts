// AWS STS (awsQuery): POST / with a form body `Action=AssumeRole&Version=2011-06-15&...`,
// answered in XML. AssumeRole checks the role's trust policy (the caller's ARN) and the
// external id it requires, then issues temporary credentials that the Cost Explorer
// emulator accepts with their session token.
import { randomUUID } from 'node:crypto';
import type { AwsIdentityState } from './aws-identity.js';
import { header, type EmulatorDefinition, type EmulatorRequest, type EmulatorResponse } from './http.js';

const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function stsEmulator(aws: AwsIdentityState): EmulatorDefinition {
  return {
    service: 'sts',
    routeOf: (request) => new URLSearchParams(request.body).get('Action') ?? 'unmatched',
    handle(request) {
      if (request.method !== 'POST' || request.path !== '/')
        return { response: stsError(404, 'Sender', 'InvalidAction', `${request.method} ${request.path} is not an STS action.`) };
      const form = new URLSearchParams(request.body);
      const auth = aws.authenticate(request);
      if ('failure' in auth) return { response: authFailure(auth.failure) };
      const { principal } = auth;
      const tenantId = principal.accountId;
      const action = form.get('Action');
      if (action !== 'AssumeRole')
        return {
          response: stsError(
            400,
            'Sender',
            'InvalidAction',
            `Could not find operation ${action ?? '(none)'} for version ${form.get('Version') ?? '(none)'}`,
          ),
          tenantId,
        };

      const roleArn = form.get('RoleArn') ?? '';
      const sessionName = form.get('RoleSessionName') ?? '';
      if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
        return {
          response: stsError(
            400,
            'Sender',
            'ValidationError',
            `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
          ),
          tenantId,
        };
      }
      const duration = Number(form.get('DurationSeconds') ?? 3600);
      if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
        return {
          response: stsError(
            400,
            'Sender',
            'ValidationError',
            `1 validation error detected: Value '${form.get('DurationSeconds') ?? ''}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
          ),
          tenantId,
        };
      }
      const role = aws.roles.get(roleArn);
      const trusted =
        role !== undefined && role.trustedPrincipalArns.includes(principal.arn) && principal.permissions.includes('sts:AssumeRole');
      // AWS gives the same answer for a missing role, an untrusted caller and a wrong external id.
      if (!role || !trusted || form.get('ExternalId') !== role.externalId) {
        return {
          response: stsError(
            403,
            'Sender',
            'AccessDenied',
            `User: ${principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
          ),
          tenantId,
        };
      }
      const issued = aws.issueTemporary(role, sessionName, duration);
      return {
        response: xml(
          200,
          `<AssumeRoleResponse xmlns="${STS_NAMESPACE}">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>${escapeXml(issued.assumedRoleId)}</AssumedRoleId>
      <Arn>${escapeXml(issued.assumedRoleArn)}</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${issued.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${escapeXml(issued.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${escapeXml(issued.sessionToken)}</SessionToken>
      <Expiration>${new Date(issued.expiresAt).toISOString()}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>`,
        ),
        tenantId,
      };
    },
    renderFault(fault) {
      if (fault.status === 429 || fault.status === 400)
        return stsError(400, 'Sender', fault.code !== undefined ? String(fault.code) : 'Throttling', fault.message ?? 'Rate exceeded');
      return stsError(
        fault.status,
        fault.status >= 500 ? 'Receiver' : 'Sender',
        fault.code !== undefined ? String(fault.code) : 'InternalFailure',
        fault.message ?? 'An internal error occurred.',
      );
    },
    trace: (request: EmulatorRequest) => ({
      ...(header(request, 'amz-sdk-invocation-id') ? { requestId: header(request, 'amz-sdk-invocation-id')! } : {}),
    }),
  };
}

function authFailure(failure: string): EmulatorResponse {
  switch (failure) {
    case 'missing':
    case 'malformed':
      return stsError(400, 'Sender', 'IncompleteSignature', 'Request is missing Authentication Token');
    case 'expired-token':
      return stsError(400, 'Sender', 'ExpiredToken', 'The security token included in the request is expired');
    case 'bad-signature':
      return stsError(
        403,
        'Sender',
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    default:
      return stsError(403, 'Sender', 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
}

function xml(status: number, text: string): EmulatorResponse {
  return { status, text: `${text}\n`, headers: { 'content-type': 'text/xml', 'x-amzn-RequestId': randomUUID() } };
}

export function stsError(status: number, type: 'Sender' | 'Receiver', code: string, message: string): EmulatorResponse {
  return xml(
    status,
    `<ErrorResponse xmlns="${STS_NAMESPACE}">
  <Error>
    <Type>${type}</Type>
    <Code>${escapeXml(code)}</Code>
    <Message>${escapeXml(message)}</Message>
  </Error>
  <RequestId>${randomUUID()}</RequestId>
</ErrorResponse>`,
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
