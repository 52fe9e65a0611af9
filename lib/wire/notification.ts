/**
 * NOTIFICATION message — RFC 4271 §4.5: Error code (1), Error subcode (1), Data (variable).
 *
 * `data` is always kept raw (byte-exact re-encoding); two structured readings are added when the data is
 * well formed: the Shutdown Communication of Cease 2/4 (RFC 8203, extended to 255 octets by RFC 9003 §2)
 * and the encapsulated error of a Hard Reset (RFC 8538 §3). `NOTIFICATION_TEXT` names every code and
 * subcode btrd knows (the IANA "BGP Error (Sub)Codes" registries).
 */
import { toHex } from './bytes.js';
import { MessageHeaderError, type NotificationData } from './errors.js';
import { CeaseSubcode, ErrorCode, HeaderSubcode, MessageType } from './iana.js';
import { encodeMessage } from './framing.js';

/** RFC 9003 §2: a Shutdown Communication is at most 255 octets of UTF-8. */
export const MAX_SHUTDOWN_COMMUNICATION = 255;

export interface ShutdownCommunication {
  readonly message: string;
  /** Octets after the communication, if any (RFC 9003 defines none; kept for logging). */
  readonly trailing?: Uint8Array;
}

export interface NotificationMessage extends NotificationData {
  /** Cease / Administrative Shutdown or Reset with a well-formed RFC 9003 communication. */
  readonly shutdown?: ShutdownCommunication;
  /** Cease / Hard Reset: the error that caused it (RFC 8538 §3). */
  readonly hardReset?: NotificationData;
}

/** Decode a NOTIFICATION body (after the 19-octet header). */
export function decodeNotification(body: Uint8Array): NotificationMessage {
  if (body.length < 2) {
    // RFC 4271 §6.1: a NOTIFICATION shorter than its 21-octet minimum is Bad Message Length (data: the length).
    const length = 19 + body.length;
    throw new MessageHeaderError(`NOTIFICATION body of ${body.length} octets`, HeaderSubcode.BadMessageLength, new Uint8Array([length >> 8, length & 255]));
  }
  const code = body[0];
  const subcode = body[1];
  const data = body.slice(2);
  const base = { code, subcode, data };
  if (code === ErrorCode.Cease && (subcode === CeaseSubcode.AdministrativeShutdown || subcode === CeaseSubcode.AdministrativeReset)) {
    const shutdown = decodeShutdownCommunication(data);
    return shutdown ? { ...base, shutdown } : base;
  }
  if (code === ErrorCode.Cease && subcode === CeaseSubcode.HardReset && data.length >= 2) {
    return { ...base, hardReset: { code: data[0], subcode: data[1], data: data.subarray(2) } };
  }
  return base;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * RFC 9003 §2: Length (1 octet) then that many octets of UTF-8. Returns undefined when absent or
 * malformed (length past the data, invalid UTF-8): the NOTIFICATION itself stays valid (RFC 9003 §4).
 */
export function decodeShutdownCommunication(data: Uint8Array): ShutdownCommunication | undefined {
  if (data.length === 0) return undefined;
  const length = data[0];
  if (1 + length > data.length) return undefined;
  let message: string;
  try {
    message = utf8.decode(data.subarray(1, 1 + length));
  } catch {
    return undefined;
  }
  return 1 + length === data.length ? { message } : { message, trailing: data.slice(1 + length) };
}

/** The data field for a Shutdown Communication (RFC 9003 §2). Throws RangeError past 255 octets. */
export function encodeShutdownCommunication(message: string): Uint8Array {
  const text = new TextEncoder().encode(message);
  if (text.length > MAX_SHUTDOWN_COMMUNICATION) {
    throw new RangeError(`shutdown communication of ${text.length} octets exceeds ${MAX_SHUTDOWN_COMMUNICATION} (RFC 9003 §2)`);
  }
  const out = new Uint8Array(1 + text.length);
  out[0] = text.length;
  out.set(text, 1);
  return out;
}

/** Encode a NOTIFICATION as a whole message. Only `code`, `subcode` and `data` are written. */
export function encodeNotification(n: NotificationData): Uint8Array {
  const body = new Uint8Array(2 + n.data.length);
  body[0] = n.code;
  body[1] = n.subcode;
  body.set(n.data, 2);
  return encodeMessage(MessageType.Notification, body);
}

export interface ErrorText {
  readonly text: string;
  readonly rfc: string;
  /** Subcode → text. Codes without subcodes (4, 8) list only 0. */
  readonly subcodes: Readonly<Record<number, { readonly text: string; readonly rfc: string }>>;
}

/** IANA "BGP Error Codes" and "BGP Error Subcodes", including deprecated values (so that logs name them). */
export const NOTIFICATION_TEXT: Readonly<Record<number, ErrorText>> = {
  [ErrorCode.MessageHeader]: {
    text: 'Message Header Error',
    rfc: 'RFC 4271 §6.1',
    subcodes: {
      0: { text: 'Unspecific', rfc: 'RFC 4271 §6.1 (IANA, Errata 4493)' },
      1: { text: 'Connection Not Synchronized', rfc: 'RFC 4271 §6.1' },
      2: { text: 'Bad Message Length', rfc: 'RFC 4271 §6.1' },
      3: { text: 'Bad Message Type', rfc: 'RFC 4271 §6.1' },
    },
  },
  [ErrorCode.OpenMessage]: {
    text: 'OPEN Message Error',
    rfc: 'RFC 4271 §6.2',
    subcodes: {
      0: { text: 'Unspecific', rfc: 'RFC 4271 §6.2' },
      1: { text: 'Unsupported Version Number', rfc: 'RFC 4271 §6.2' },
      2: { text: 'Bad Peer AS', rfc: 'RFC 4271 §6.2' },
      3: { text: 'Bad BGP Identifier', rfc: 'RFC 4271 §6.2, RFC 6286 §2.2' },
      4: { text: 'Unsupported Optional Parameter', rfc: 'RFC 4271 §6.2' },
      5: { text: 'Authentication Failure (deprecated)', rfc: 'RFC 4271 §6.2' },
      6: { text: 'Unacceptable Hold Time', rfc: 'RFC 4271 §6.2' },
      7: { text: 'Unsupported Capability', rfc: 'RFC 5492 §5' },
      8: { text: 'Deprecated (8)', rfc: 'IANA' },
      9: { text: 'Deprecated (9)', rfc: 'IANA' },
      10: { text: 'Deprecated (10)', rfc: 'IANA' },
      11: { text: 'Role Mismatch', rfc: 'RFC 9234 §4.2' },
    },
  },
  [ErrorCode.UpdateMessage]: {
    text: 'UPDATE Message Error',
    rfc: 'RFC 4271 §6.3',
    subcodes: {
      0: { text: 'Unspecific', rfc: 'RFC 4271 §6.3 (IANA, Errata 4493)' },
      1: { text: 'Malformed Attribute List', rfc: 'RFC 4271 §6.3' },
      2: { text: 'Unrecognized Well-known Attribute', rfc: 'RFC 4271 §6.3' },
      3: { text: 'Missing Well-known Attribute', rfc: 'RFC 4271 §6.3' },
      4: { text: 'Attribute Flags Error', rfc: 'RFC 4271 §6.3' },
      5: { text: 'Attribute Length Error', rfc: 'RFC 4271 §6.3' },
      6: { text: 'Invalid ORIGIN Attribute', rfc: 'RFC 4271 §6.3' },
      7: { text: 'AS Routing Loop (deprecated)', rfc: 'RFC 4271 §6.3' },
      8: { text: 'Invalid NEXT_HOP Attribute', rfc: 'RFC 4271 §6.3' },
      9: { text: 'Optional Attribute Error', rfc: 'RFC 4271 §6.3' },
      10: { text: 'Invalid Network Field', rfc: 'RFC 4271 §6.3' },
      11: { text: 'Malformed AS_PATH', rfc: 'RFC 4271 §6.3' },
    },
  },
  [ErrorCode.HoldTimerExpired]: {
    text: 'Hold Timer Expired',
    rfc: 'RFC 4271 §6.5',
    subcodes: { 0: { text: 'Unspecific', rfc: 'RFC 4271 §6.5' } },
  },
  [ErrorCode.FsmError]: {
    text: 'Finite State Machine Error',
    rfc: 'RFC 4271 §6.6',
    subcodes: {
      0: { text: 'Unspecified Error', rfc: 'RFC 6608 §3' },
      1: { text: 'Receive Unexpected Message in OpenSent State', rfc: 'RFC 6608 §3' },
      2: { text: 'Receive Unexpected Message in OpenConfirm State', rfc: 'RFC 6608 §3' },
      3: { text: 'Receive Unexpected Message in Established State', rfc: 'RFC 6608 §3' },
    },
  },
  [ErrorCode.Cease]: {
    text: 'Cease',
    rfc: 'RFC 4271 §6.7',
    subcodes: {
      0: { text: 'Reserved', rfc: 'RFC 4486 §4' },
      1: { text: 'Maximum Number of Prefixes Reached', rfc: 'RFC 4486 §4' },
      2: { text: 'Administrative Shutdown', rfc: 'RFC 4486 §4, RFC 9003' },
      3: { text: 'Peer De-configured', rfc: 'RFC 4486 §4' },
      4: { text: 'Administrative Reset', rfc: 'RFC 4486 §4, RFC 9003' },
      5: { text: 'Connection Rejected', rfc: 'RFC 4486 §4' },
      6: { text: 'Other Configuration Change', rfc: 'RFC 4486 §4' },
      7: { text: 'Connection Collision Resolution', rfc: 'RFC 4486 §4' },
      8: { text: 'Out of Resources', rfc: 'RFC 4486 §4' },
      9: { text: 'Hard Reset', rfc: 'RFC 8538 §3' },
      10: { text: 'BFD Down', rfc: 'RFC 9384 §2' },
    },
  },
  [ErrorCode.RouteRefreshMessage]: {
    text: 'ROUTE-REFRESH Message Error',
    rfc: 'RFC 7313 §5',
    subcodes: {
      0: { text: 'Reserved', rfc: 'RFC 7313 §5' },
      1: { text: 'Invalid Message Length', rfc: 'RFC 7313 §5' },
    },
  },
  [ErrorCode.SendHoldTimerExpired]: {
    text: 'Send Hold Timer Expired',
    rfc: 'RFC 9687 §3',
    subcodes: { 0: { text: 'Unspecific', rfc: 'RFC 9687 §3' } },
  },
};

/** Human text for a code and subcode, e.g. "Cease / Administrative Shutdown". */
export function notificationText(code: number, subcode: number): string {
  const entry = NOTIFICATION_TEXT[code];
  if (!entry) return `Unknown error code ${code} / subcode ${subcode}`;
  const sub = entry.subcodes[subcode];
  return sub ? `${entry.text} / ${sub.text}` : `${entry.text} / unknown subcode ${subcode}`;
}

/** One line for logs: text, (code/subcode), then the decoded communication, cause or data in hex. */
export function formatNotification(n: NotificationData): string {
  const head = `${notificationText(n.code, n.subcode)} (${n.code}/${n.subcode})`;
  const decoded = decodeNotificationData(n);
  if (decoded.shutdown) return `${head}: ${JSON.stringify(decoded.shutdown.message)}`;
  if (decoded.hardReset) return `${head} caused by ${formatNotification(decoded.hardReset)}`;
  return n.data.length > 0 ? `${head} data ${toHex(n.data)}` : head;
}

function decodeNotificationData(n: NotificationData): NotificationMessage {
  const body = new Uint8Array(2 + n.data.length);
  body[0] = n.code;
  body[1] = n.subcode;
  body.set(n.data, 2);
  return decodeNotification(body);
}
