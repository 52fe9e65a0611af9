/**
 * Typed BGP errors. Every error the codec raises is a `BgpProtocolError` carrying the NOTIFICATION
 * (code, subcode, data) that RFC 4271 §6 prescribes, and the RFC 7606 treatment it calls for.
 *
 * Errors cross worker threads as data (`toErrorData`), never as class instances: structured clone drops
 * the class, so consumers match on `code` (a stable string) and `notification`.
 */
import { ErrorCode } from './iana.js';

/** RFC 7606 §2 treatments, weakest first (GoBGP's ordering, with `afi-safi-disable` from RFC 4760 §7). */
export type Treatment = 'none' | 'attribute-discard' | 'treat-as-withdraw' | 'afi-safi-disable' | 'session-reset';

export const TREATMENT_SEVERITY: Readonly<Record<Treatment, number>> = {
  none: 0,
  'attribute-discard': 1,
  'treat-as-withdraw': 2,
  'afi-safi-disable': 3,
  'session-reset': 4,
};

/** The stronger of two treatments (RFC 7606 §3: the most severe one applies to the whole UPDATE). */
export function strongerTreatment(a: Treatment, b: Treatment): Treatment {
  return TREATMENT_SEVERITY[a] >= TREATMENT_SEVERITY[b] ? a : b;
}

/** A NOTIFICATION's content — RFC 4271 §4.5. */
export interface NotificationData {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

/** Plain-data form of a BGP error, safe to post between threads. */
export interface BgpErrorData {
  readonly code: string;
  readonly message: string;
  readonly notification: NotificationData;
  readonly treatment: Treatment;
  readonly attrType?: number;
}

const EMPTY = new Uint8Array(0);

/** Base of every error the wire codec throws. */
export class BgpProtocolError extends Error {
  readonly code: string = 'BTRD_ERR_BGP_PROTOCOL';
  readonly notification: NotificationData;
  readonly treatment: Treatment;

  constructor(message: string, errorCode: number, subcode: number, data: Uint8Array = EMPTY, treatment: Treatment = 'session-reset') {
    super(message);
    this.name = new.target.name;
    this.notification = { code: errorCode, subcode, data };
    this.treatment = treatment;
  }

  toErrorData(): BgpErrorData {
    return { code: this.code, message: this.message, notification: this.notification, treatment: this.treatment };
  }
}

/** RFC 4271 §6.1. */
export class MessageHeaderError extends BgpProtocolError {
  override readonly code = 'BTRD_ERR_MESSAGE_HEADER';
  constructor(message: string, subcode: number, data: Uint8Array = EMPTY) {
    super(message, ErrorCode.MessageHeader, subcode, data);
  }
}

/** RFC 4271 §6.2. */
export class OpenMessageError extends BgpProtocolError {
  override readonly code = 'BTRD_ERR_OPEN_MESSAGE';
  constructor(message: string, subcode: number, data: Uint8Array = EMPTY) {
    super(message, ErrorCode.OpenMessage, subcode, data);
  }
}

/** RFC 4271 §6.3 errors that always reset the session (RFC 7606 §5: e.g. withdrawn-routes overrun, NLRI errors). */
export class UpdateMessageError extends BgpProtocolError {
  override readonly code = 'BTRD_ERR_UPDATE_MESSAGE';
  constructor(message: string, subcode: number, data: Uint8Array = EMPTY, treatment: Treatment = 'session-reset') {
    super(message, ErrorCode.UpdateMessage, subcode, data, treatment);
  }
}

/**
 * A malformed path attribute (RFC 7606 §7). `treatment` says what RFC 7606 asks for; `notification` is the
 * RFC 4271 §6.3 NOTIFICATION to send if the treatment is (or is escalated to) session-reset (corebgp's idea).
 */
export class MalformedAttribute extends BgpProtocolError {
  override readonly code = 'BTRD_ERR_MALFORMED_ATTRIBUTE';
  readonly attrType: number;
  constructor(message: string, attrType: number, treatment: Treatment, subcode: number, data: Uint8Array = EMPTY) {
    super(message, ErrorCode.UpdateMessage, subcode, data, treatment);
    this.attrType = attrType;
  }
  override toErrorData(): BgpErrorData {
    return { ...super.toErrorData(), attrType: this.attrType };
  }
}

/** RFC 7313 §5. */
export class RouteRefreshMessageError extends BgpProtocolError {
  override readonly code = 'BTRD_ERR_ROUTE_REFRESH_MESSAGE';
  constructor(message: string, subcode: number, data: Uint8Array = EMPTY) {
    super(message, ErrorCode.RouteRefreshMessage, subcode, data);
  }
}

export function isBgpProtocolError(e: unknown): e is BgpProtocolError {
  return e instanceof BgpProtocolError;
}
