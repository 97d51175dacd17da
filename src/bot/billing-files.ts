// Files to a person's 1:1 chat, the way Teams bots send them (personal scope only): a file
// consent card ("Quartermaster wants to send you Invoice_G026050001.pdf", Allow / Decline);
// when the person allows, Teams sends a `fileConsent/invoke` with an upload session in their
// OneDrive; the bytes go there (PUT with Content-Range), then a file info card shows the file
// in the chat. The consent card's context carries only a link token the service checks again.
// The upload itself is I/O: a connector (src/connectors/onedrive-upload.ts) handed in as FileUploads.
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

/**
 * Where the bytes go once the person allows (a connector's PUT, wired by the composition root):
 * whether an upload URL Teams sent is one Quartermaster may write to, and the upload itself.
 */
export interface FileUploads {
  allowed(url: string): boolean;
  /** The upload answer's HTTP status; rejects when no answer came. */
  put(url: string, bytes: Buffer): Promise<number>;
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
