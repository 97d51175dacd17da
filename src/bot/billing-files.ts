// Files to a person's 1:1 chat, the way Teams bots send them (personal scope only): a file
// consent card ("Quartermaster wants to send you Invoice_G026050001.pdf", Allow / Decline);
// when the person allows, Teams sends a `fileConsent/invoke` with an upload session in their
// OneDrive; the bytes go there (PUT with Content-Range), then a file info card shows the file
// in the chat. The consent card's context carries only a link token the service checks again.
import http from 'node:http';
import https from 'node:https';
import type { TurnContext } from 'botbuilder';
import type { BillingDocument } from '../services/billing/documents.js';

export const FILE_CONSENT_CARD = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CARD = 'application/vnd.microsoft.teams.card.file.info';

export interface FileConsentContext {
  token: string;
}

/** What Teams sends back when the person allows the file. */
export interface FileUploadInfo {
  name?: string;
  uploadUrl?: string;
  contentUrl?: string;
  uniqueId?: string;
  fileType?: string;
}

/** Sends the consent card for `document` (its bytes are fetched again once the person allows). */
export async function sendFileConsent(context: TurnContext, document: BillingDocument, description: string, token: string): Promise<void> {
  const consentContext: FileConsentContext = { token };
  await context.sendActivity({
    attachments: [
      {
        contentType: FILE_CONSENT_CARD,
        name: document.filename,
        content: { description, sizeInBytes: document.bytes.length, acceptContext: consentContext, declineContext: consentContext },
      },
    ],
  });
}

export interface UploadOptions {
  /** Outside production the upload URL may be on loopback (tests, local mode); production takes https only. */
  allowLoopback: boolean;
  timeoutMs: number;
}

/** Whether Quartermaster may PUT a file to this URL: OneDrive's upload sessions are https. */
export function uploadTargetAllowed(url: string, options: Pick<UploadOptions, 'allowLoopback'>): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol === 'https:') return true;
  return options.allowLoopback && target.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname);
}

/** Puts the whole file into the upload session in one request (Content-Range covers it all). */
export function uploadFile(url: string, bytes: Buffer, options: UploadOptions): Promise<number> {
  const target = new URL(url);
  const scheme = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = scheme.request(
      target,
      {
        method: 'PUT',
        headers: {
          'Content-Length': String(bytes.length),
          'Content-Range': `bytes 0-${Math.max(0, bytes.length - 1)}/${bytes.length}`,
        },
      },
      (answer) => {
        answer.resume();
        answer.on('end', () => resolve(answer.statusCode ?? 0));
      },
    );
    const deadline = setTimeout(() => request.destroy(new Error(`the upload took longer than ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.on('close', () => clearTimeout(deadline));
    request.end(bytes);
  });
}

/** The message that shows the uploaded file in the chat. */
export async function sendFileInfo(context: TurnContext, upload: FileUploadInfo): Promise<void> {
  await context.sendActivity({
    attachments: [
      {
        contentType: FILE_INFO_CARD,
        contentUrl: upload.contentUrl ?? '',
        name: upload.name ?? 'document',
        content: { uniqueId: upload.uniqueId ?? '', fileType: upload.fileType ?? '' },
      },
    ],
  });
}
