// The MIME structures the email adapter works with: the server's BODYSTRUCTURE converted to our own
// shape (imap-session.ts) and the part chosen for display (mime.ts). They stay at this edge: no
// other layer needs to know how a message is built.

/** One MIME node as the server describes it (BODYSTRUCTURE), converted to our own shape at the adapter edge. */
export interface MimeNode {
  /** IMAP part path, e.g. "1", "1.2". Absent for the root of a multipart message. */
  part?: string;
  /** Lower-case "type/subtype". */
  type: string;
  parameters?: Record<string, string>;
  disposition?: string;
  dispositionParameters?: Record<string, string>;
  /** Content-Transfer-Encoding, lower case. */
  encoding?: string;
  /** Transfer-encoded size in bytes. */
  size?: number;
  childNodes?: MimeNode[];
}

/** Where a message's readable text lives and how to decode it. */
export interface DisplayPart {
  /** IMAP part path to fetch with BODY.PEEK[part]. */
  part: string;
  type: 'text/plain' | 'text/html';
  charset: string;
  encoding: string;
  size: number;
}
