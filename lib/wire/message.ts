/**
 * Decode a framed message by type (RFC 4271 §4.1). Framing (`framing.ts`) has already checked the
 * marker, the length and that the type is known; this dispatches the body to the type's codec.
 */
import { MessageHeaderError } from './errors.js';
import type { Frame } from './framing.js';
import { HeaderSubcode, MessageType } from './iana.js';
import { decodeNotification, type NotificationMessage } from './notification.js';
import { decodeOpen, type OpenMessage } from './open.js';
import { decodeRouteRefresh, type RouteRefreshMessage } from './route-refresh.js';
import type { CodecContext, UpdateMessage } from './types.js';
import { decodeUpdate } from './update.js';

export type Message =
  | { readonly type: 'open'; readonly open: OpenMessage }
  | { readonly type: 'update'; readonly update: UpdateMessage }
  | { readonly type: 'notification'; readonly notification: NotificationMessage }
  | { readonly type: 'keepalive' }
  | { readonly type: 'route-refresh'; readonly routeRefresh: RouteRefreshMessage };

export type MessageKind = Message['type'];

/** Decode one framed message. Throws a BgpProtocolError subclass (never anything else on malformed input). */
export function decodeMessage(frame: Frame, ctx: CodecContext): Message {
  switch (frame.type) {
    case MessageType.Open:
      return { type: 'open', open: decodeOpen(frame.body) };
    case MessageType.Update:
      return { type: 'update', update: decodeUpdate(frame.body, ctx) };
    case MessageType.Notification:
      return { type: 'notification', notification: decodeNotification(frame.body) };
    case MessageType.Keepalive:
      // RFC 4271 §4.4: the header alone; framing enforces length 19, re-checked for frames built elsewhere.
      if (frame.body.length !== 0) {
        const length = 19 + frame.body.length;
        throw new MessageHeaderError(`KEEPALIVE of ${length} octets`, HeaderSubcode.BadMessageLength, new Uint8Array([length >> 8, length & 255]));
      }
      return { type: 'keepalive' };
    case MessageType.RouteRefresh:
      return { type: 'route-refresh', routeRefresh: decodeRouteRefresh(frame.body) };
    default:
      // RFC 4271 §6.1: Bad Message Type, data = the type octet.
      throw new MessageHeaderError(`unknown message type ${frame.type}`, HeaderSubcode.BadMessageType, new Uint8Array([frame.type]));
  }
}
