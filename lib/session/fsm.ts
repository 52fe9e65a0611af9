/**
 * The BGP finite state machine — RFC 4271 §8, as ONE pure function: `transition(state, event)` returns
 * the next state and the actions the session must execute, in order. No I/O, no timers, no clock:
 * `session.ts` executes the actions, `timers.ts` runs the timers.
 *
 * Optional session attributes (RFC 4271 §8.1.1) as btrd sets them:
 *   AllowAutomaticStart / AllowAutomaticStop  TRUE  (restart after errors; the speaker's max-prefix stop)
 *   DampPeerOscillations                      TRUE  (IdleHoldTimer with exponential back-off, see session.ts)
 *   PassiveTcpEstablishment                   per SessionConfig.passive (never connects out, see ConnectRetryTimer_Expires)
 *   DelayOpen, SendNOTIFICATIONwithoutOPEN,
 *   CollisionDetectEstablishedState, TrackTcpState  FALSE
 * Hence the DelayOpenTimer and Events 12, 20 (BGPOpen with DelayOpen) do not exist here. TcpConnection_Valid
 * (Event 14) and Tcp_CR_Invalid (Event 15) are the manager's job: an unknown source never reaches an FSM.
 *
 * Connection collisions (RFC 4271 §6.8) are resolved outside the FSM by `collision.ts` on the second
 * connection, which the FSM only "tracks" (rows (OpenSent|OpenConfirm|Established, TcpConnectionConfirmed)).
 * OpenCollisionDump (Event 23) is therefore not an FSM event: the losing connection is closed with
 * Cease 6/7 by the session without changing this FSM's state.
 */
import { P, match } from 'ts-pattern';
import type { NotificationData } from '../wire/errors.js';
import { ErrorCode, FsmSubcode } from '../wire/iana.js';
import type { FsmState } from './types.js';

/** RFC 4271 §8.2.2: "sets the HoldTimer to a large value" — "A HoldTimer value of 4 minutes is suggested." */
export const LARGE_HOLD_TIME = 240;

export type TimerName = 'connect-retry' | 'hold' | 'keepalive' | 'idle-hold';

/**
 * Events, named as in RFC 4271 §8.1 (each one folds the RFC events listed beside it).
 * Payloads carry only what the transition itself needs.
 */
export type FsmEvent =
  | { readonly type: 'ManualStart' } // Event 1
  | { readonly type: 'ManualStop'; readonly notification: NotificationData } // Event 2 (Cease 6/2 with RFC 9003 text)
  | { readonly type: 'AutomaticStop'; readonly notification: NotificationData } // Event 8 (e.g. max-prefix Cease 6/1)
  | { readonly type: 'ManualStart_with_PassiveTcpEstablishment' } // Event 4
  | { readonly type: 'ConnectRetryTimer_Expires'; readonly passive: boolean } // Event 9
  | { readonly type: 'HoldTimer_Expires' } // Event 10
  | { readonly type: 'KeepaliveTimer_Expires' } // Event 11
  | { readonly type: 'IdleHoldTimer_Expires'; readonly passive: boolean } // Event 13 → AutomaticStart (3) / AutomaticStart_with_PassiveTcpEstablishment (5)
  | { readonly type: 'Tcp_CR_Acked' } // Event 16 (our connect() succeeded); Event 14 is checked by the manager
  | { readonly type: 'TcpConnectionConfirmed' } // Event 17 (incoming connection accepted)
  | { readonly type: 'TcpConnectionFails' } // Event 18
  | { readonly type: 'BGPOpen'; readonly holdTime: number } // Event 19, valid OPEN; holdTime = negotiated (RFC 4271 §4.2)
  | { readonly type: 'BGPHeaderErr'; readonly notification: NotificationData } // Event 21
  | { readonly type: 'BGPOpenMsgErr'; readonly notification: NotificationData } // Event 22
  | { readonly type: 'NotifMsgVerErr' } // Event 24
  | { readonly type: 'NotifMsg' } // Event 25
  | { readonly type: 'KeepAliveMsg' } // Event 26
  | { readonly type: 'UpdateMsg' } // Event 27
  | { readonly type: 'UpdateMsgErr'; readonly notification: NotificationData } // Event 28
  | { readonly type: 'RouteRefreshMsg' } // RFC 2918 §4 (not an RFC 4271 event; valid only in Established)
  | { readonly type: 'RouteRefreshMsgErr'; readonly notification: NotificationData }; // RFC 7313 §5

export type FsmEventType = FsmEvent['type'];

/** What the session must do, in order. */
export type FsmAction =
  /** Initiate a TCP connection to the peer (and keep listening: the manager always does). */
  | { readonly type: 'connect' }
  /** Close the TCP connection (after flushing any NOTIFICATION queued just before). Aborts a pending connect. */
  | { readonly type: 'drop-connection' }
  | { readonly type: 'send-open' }
  | { readonly type: 'send-keepalive' }
  | { readonly type: 'send-notification'; readonly notification: NotificationData }
  /**
   * (Re)start a timer. Without `seconds` the session uses its current value: ConnectRetryTime, the
   * negotiated HoldTime/KeepaliveTime, the current IdleHoldTime. 0 seconds = do not start (RFC 4271 §4.2).
   */
  | { readonly type: 'start-timer'; readonly timer: TimerName; readonly seconds?: number }
  | { readonly type: 'stop-timer'; readonly timer: TimerName }
  /** Stop every timer (on the way to Idle). */
  | { readonly type: 'stop-timers' }
  | { readonly type: 'reset-connect-retry-counter' }
  | { readonly type: 'increment-connect-retry-counter' }
  /** "releases all BGP resources" / "deletes all routes associated with this connection". */
  | { readonly type: 'release-resources' }
  /** Established: hand the decoded UPDATE (or End-of-RIB) to the consumer. */
  | { readonly type: 'deliver-update' }
  | { readonly type: 'deliver-route-refresh' };

export interface FsmTransition {
  readonly next: FsmState;
  readonly actions: readonly FsmAction[];
}

const EMPTY = new Uint8Array(0);

/** RFC 4271 §6.5: Hold Timer Expired, code 4, no subcode. */
export const HOLD_TIMER_EXPIRED: NotificationData = { code: ErrorCode.HoldTimerExpired, subcode: 0, data: EMPTY };

/** RFC 6608 §3: FSM Error subcodes by the state the unexpected message arrived in. */
export function fsmError(state: 'OpenSent' | 'OpenConfirm' | 'Established'): NotificationData {
  const subcode = match(state)
    .with('OpenSent', () => FsmSubcode.UnexpectedInOpenSent)
    .with('OpenConfirm', () => FsmSubcode.UnexpectedInOpenConfirm)
    .with('Established', () => FsmSubcode.UnexpectedInEstablished)
    .exhaustive();
  return { code: ErrorCode.FsmError, subcode, data: EMPTY };
}

const stay = (state: FsmState, ...actions: FsmAction[]): FsmTransition => ({ next: state, actions });
const go = (next: FsmState, ...actions: FsmAction[]): FsmTransition => ({ next, actions });
const timer = (t: TimerName, seconds?: number): FsmAction => (seconds === undefined ? { type: 'start-timer', timer: t } : { type: 'start-timer', timer: t, seconds });
const notify = (notification: NotificationData): FsmAction => ({ type: 'send-notification', notification });

/**
 * The common tail of an error on the way to Idle: "releases all BGP resources, drops the TCP connection,
 * increments the ConnectRetryCounter by 1, (optionally) performs peer oscillation damping, and changes
 * its state to Idle" (RFC 4271 §8.2.2). Damping = start the IdleHoldTimer (RFC 4271 §8.1.1).
 */
const toIdleWithDamping = (...first: FsmAction[]): FsmTransition =>
  go('Idle', ...first, { type: 'stop-timers' }, { type: 'release-resources' }, { type: 'drop-connection' }, { type: 'increment-connect-retry-counter' }, timer('idle-hold'));

/** ManualStop in a state with a connection: Cease, then "sets the ConnectRetryCounter to zero" — no restart. */
const manualStop = (notification: NotificationData | null): FsmTransition =>
  go('Idle', ...(notification ? [notify(notification)] : []), { type: 'stop-timers' }, { type: 'release-resources' }, { type: 'drop-connection' }, { type: 'reset-connect-retry-counter' });

/** RFC 4271 §8.2.2 Connect/Active: a TCP connection "succeeds" (Event 16 or 17). */
const connectionUp = (): FsmTransition =>
  // "stops the ConnectRetryTimer (if running) and sets the ConnectRetryTimer to zero, completes BGP
  // initialization, sends an OPEN message to its peer, sets the HoldTimer to a large value, and changes
  // its state to OpenSent."
  go('OpenSent', { type: 'stop-timer', timer: 'connect-retry' }, { type: 'send-open' }, timer('hold', LARGE_HOLD_TIME));

const ALL_TCP_UP = P.union('Tcp_CR_Acked', 'TcpConnectionConfirmed');

function idle(event: FsmEvent): FsmTransition {
  return match<FsmEvent, FsmTransition>(event)
    // "In response to a ManualStart event (Event 1) or an AutomaticStart event (Event 3), the local system:
    // initializes all BGP resources for the peer connection, sets ConnectRetryCounter to zero, starts the
    // ConnectRetryTimer with the initial value, initiates a TCP connection to the other BGP peer, listens
    // for a connection that may be initiated by the remote BGP peer, and changes its state to Connect."
    .with({ type: 'ManualStart' }, () => go('Connect', { type: 'reset-connect-retry-counter' }, timer('connect-retry'), { type: 'connect' }))
    // "In response to a ManualStart_with_PassiveTcpEstablishment event (Event 4) or
    // AutomaticStart_with_PassiveTcpEstablishment event (Event 5), ... changes its state to Active."
    .with({ type: 'ManualStart_with_PassiveTcpEstablishment' }, () => go('Active', { type: 'reset-connect-retry-counter' }, timer('connect-retry')))
    // The IdleHoldTimer's expiry is the AutomaticStart of DampPeerOscillations (RFC 4271 §8.1.1). The
    // counter is kept: it measures the oscillation the back-off damps.
    .with({ type: 'IdleHoldTimer_Expires', passive: true }, () => go('Active', timer('connect-retry')))
    .with({ type: 'IdleHoldTimer_Expires', passive: false }, () => go('Connect', timer('connect-retry'), { type: 'connect' }))
    // "The ManualStop event (Event 2) and AutomaticStop (Event 8) event are ignored in the Idle state."
    // A pending automatic restart (IdleHoldTimer) is cancelled by ManualStop: the operator said stop.
    .with({ type: 'ManualStop' }, () => stay('Idle', { type: 'stop-timers' }, { type: 'reset-connect-retry-counter' }))
    // "In this state, BGP FSM refuses all incoming BGP connections for this peer."
    .with({ type: ALL_TCP_UP }, () => stay('Idle', { type: 'drop-connection' }))
    // "Any other events (Events 9-12, 15-28) received in the Idle state do not cause change in the state".
    .with(
      {
        type: P.union('AutomaticStop', 'ConnectRetryTimer_Expires', 'HoldTimer_Expires', 'KeepaliveTimer_Expires', 'TcpConnectionFails', 'BGPOpen', 'BGPHeaderErr', 'BGPOpenMsgErr', 'NotifMsgVerErr', 'NotifMsg', 'KeepAliveMsg', 'UpdateMsg', 'UpdateMsgErr', 'RouteRefreshMsg', 'RouteRefreshMsgErr'),
      },
      () => stay('Idle'),
    )
    .exhaustive();
}

/** Connect and Active differ only in ConnectRetryTimer_Expires and TcpConnectionFails. */
function connectOrActive(state: 'Connect' | 'Active', event: FsmEvent): FsmTransition {
  return match<FsmEvent, FsmTransition>(event)
    // "Any start event (Events 1, 3-7) is ignored in the Connect [Active] state."
    .with({ type: P.union('ManualStart', 'ManualStart_with_PassiveTcpEstablishment') }, () => stay(state))
    // "In response to a ManualStop event (Event 2), the local system: drops the TCP connection, releases
    // all BGP resources, sets ConnectRetryCounter to zero, stops the ConnectRetryTimer and sets
    // ConnectRetryTimer to zero, and changes its state to Idle."
    .with({ type: 'ManualStop' }, () => manualStop(null))
    .with({ type: 'ConnectRetryTimer_Expires' }, (e) =>
      state === 'Connect'
        ? // Connect: "drops the TCP connection, restarts the ConnectRetryTimer, ... initiates a TCP connection
          // to the other BGP peer, ... and stays in the Connect state."
          stay('Connect', { type: 'drop-connection' }, timer('connect-retry'), { type: 'connect' })
        : e.passive
          ? // PassiveTcpEstablishment: "the BGP FSM will passively wait for the remote BGP peer to establish
            // the BGP TCP connection" (§8.1.1) — btrd never connects out for a passive peer.
            stay('Active', timer('connect-retry'))
          : // Active: "restarts the ConnectRetryTimer (with initial value), initiates a TCP connection to the
            // other BGP peer, ... and changes its state to Connect."
            go('Connect', timer('connect-retry'), { type: 'connect' }),
    )
    .with({ type: ALL_TCP_UP }, connectionUp)
    .with({ type: 'TcpConnectionFails' }, () =>
      state === 'Connect'
        ? // Connect, DelayOpenTimer not running: "stops the ConnectRetryTimer to zero, drops the TCP
          // connection, releases all BGP resources, and changes its state to Idle." btrd adds damping so
          // that Idle restarts by itself (AutomaticStart after the IdleHoldTimer).
          go('Idle', { type: 'stop-timers' }, { type: 'drop-connection' }, { type: 'release-resources' }, timer('idle-hold'))
        : // Active: "restarts the ConnectRetryTimer (with initial value), ..., releases all BGP resource,
          // increments the ConnectRetryCounter by 1, optionally performs peer oscillation damping, and
          // changes its state to Idle." (The IdleHoldTimer restarts it; the ConnectRetryTimer is stopped.)
          toIdleWithDamping(),
    )
    // Without DelayOpen an OPEN cannot arrive here; with SendNOTIFICATIONwithoutOPEN FALSE no NOTIFICATION
    // is sent. "In response to any other event (Events 8, 10-11, 13, 19, 23, 25-28), the local system:
    // ... increments the ConnectRetryCounter by 1, performs peer oscillation damping ..., and changes its
    // state to Idle." (Event 13 only matters in Idle.)
    .with({ type: 'NotifMsgVerErr' }, () => go('Idle', { type: 'stop-timers' }, { type: 'release-resources' }, { type: 'drop-connection' }))
    .with(
      {
        type: P.union('AutomaticStop', 'HoldTimer_Expires', 'KeepaliveTimer_Expires', 'IdleHoldTimer_Expires', 'BGPOpen', 'BGPHeaderErr', 'BGPOpenMsgErr', 'NotifMsg', 'KeepAliveMsg', 'UpdateMsg', 'UpdateMsgErr', 'RouteRefreshMsg', 'RouteRefreshMsgErr'),
      },
      () => toIdleWithDamping(),
    )
    .exhaustive();
}

function openSent(event: FsmEvent): FsmTransition {
  return match<FsmEvent, FsmTransition>(event)
    .with({ type: P.union('ManualStart', 'ManualStart_with_PassiveTcpEstablishment') }, () => stay('OpenSent'))
    // "If a ManualStop event (Event 2) is issued in the OpenSent state, the local system: sends the
    // NOTIFICATION with a Cease, sets the ConnectRetryTimer to zero, releases all BGP resources, drops
    // the TCP connection, sets the ConnectRetryCounter to zero, and changes its state to Idle."
    .with({ type: 'ManualStop' }, (e) => manualStop(e.notification))
    // "If an AutomaticStop event (Event 8) is issued in the OpenSent state, the local system: sends the
    // NOTIFICATION with a Cease, ..., increments the ConnectRetryCounter by 1, (optionally) performs peer
    // oscillation damping if the DampPeerOscillations attribute is set to TRUE, and changes its state to Idle."
    .with({ type: 'AutomaticStop' }, (e) => toIdleWithDamping(notify(e.notification)))
    // "If the HoldTimer_Expires (Event 10), the local system: sends a NOTIFICATION message with the error
    // code Hold Timer Expired, ..."
    .with({ type: 'HoldTimer_Expires' }, () => toIdleWithDamping(notify(HOLD_TIMER_EXPIRED)))
    // "If a TcpConnection_Valid (Event 14), Tcp_CR_Acked (Event 16), or a TcpConnectionConfirmed event
    // (Event 17) is received, a second TCP connection may be in progress. This second TCP connection is
    // tracked per Connection Collision processing (Section 6.8) until an OPEN message is received."
    .with({ type: ALL_TCP_UP }, () => stay('OpenSent'))
    // "If a TcpConnectionFails event (Event 18) is received, the local system: closes the BGP connection,
    // restarts the ConnectRetryTimer, continues to listen for a connection that may be initiated by the
    // remote BGP peer, and changes its state to Active."
    .with({ type: 'TcpConnectionFails' }, () => go('Active', { type: 'stop-timers' }, { type: 'drop-connection' }, timer('connect-retry')))
    // "When an OPEN message is received, all fields are checked for correctness. If there are no errors
    // in the OPEN message (Event 19), the local system: resets the DelayOpenTimer to zero, sets the BGP
    // ConnectRetryTimer to zero, sends a KEEPALIVE message, and sets a KeepaliveTimer (via the text below)
    // sets the HoldTimer according to the negotiated value (see Section 4.2), changes its state to
    // OpenConfirm. If the negotiated hold time value is zero, then the HoldTimer and KeepaliveTimer are
    // not started."
    .with({ type: 'BGPOpen' }, (e) =>
      go(
        'OpenConfirm',
        { type: 'stop-timer', timer: 'connect-retry' },
        { type: 'send-keepalive' },
        ...(e.holdTime === 0
          ? [{ type: 'stop-timer', timer: 'hold' } as const, { type: 'stop-timer', timer: 'keepalive' } as const]
          : [timer('keepalive', Math.floor(e.holdTime / 3)), timer('hold', e.holdTime)]),
      ),
    )
    // "If the BGP message header checking (Event 21) or OPEN message checking detects an error (Event 22)
    // (see Section 6.2), the local system: sends a NOTIFICATION message with the appropriate error code,
    // ..., increments the ConnectRetryCounter by 1, (optionally) performs peer oscillation damping ..."
    .with({ type: P.union('BGPHeaderErr', 'BGPOpenMsgErr') }, (e) => toIdleWithDamping(notify(e.notification)))
    // "If a NOTIFICATION message is received with a version error (Event 24), the local system: sets the
    // ConnectRetryTimer to zero, releases all BGP resources, drops the TCP connection, and changes its
    // state to Idle."
    .with({ type: 'NotifMsgVerErr' }, () => go('Idle', { type: 'stop-timers' }, { type: 'release-resources' }, { type: 'drop-connection' }))
    // A NOTIFICATION (Event 25) is in the RFC's "any other event" list, but a NOTIFICATION is never answered
    // with one (RFC 4271 §4.5: its sender closes the connection at once; RFC 6608 §4 lists KEEPALIVE,
    // UPDATE, ROUTE-REFRESH as the unexpected messages). Same tail otherwise.
    .with({ type: 'NotifMsg' }, () => toIdleWithDamping())
    // "In response to any other event (Events 9, 11-13, 20, 25-28), the local system: sends the
    // NOTIFICATION with the Error Code Finite State Machine Error, ..." — subcode 1, RFC 6608 §4:
    // "Receive Unexpected Message in OpenSent State".
    .with(
      { type: P.union('ConnectRetryTimer_Expires', 'KeepaliveTimer_Expires', 'IdleHoldTimer_Expires', 'KeepAliveMsg', 'UpdateMsg', 'UpdateMsgErr', 'RouteRefreshMsg', 'RouteRefreshMsgErr') },
      () => toIdleWithDamping(notify(fsmError('OpenSent'))),
    )
    .exhaustive();
}

function openConfirm(event: FsmEvent): FsmTransition {
  return match<FsmEvent, FsmTransition>(event)
    .with({ type: P.union('ManualStart', 'ManualStart_with_PassiveTcpEstablishment') }, () => stay('OpenConfirm'))
    // "In response to a ManualStop event (Event 2) initiated by the operator, the local system: sends the
    // NOTIFICATION message with a Cease, releases all BGP resources, drops the TCP connection, sets the
    // ConnectRetryCounter to zero, sets the ConnectRetryTimer to zero, and changes its state to Idle."
    .with({ type: 'ManualStop' }, (e) => manualStop(e.notification))
    .with({ type: 'AutomaticStop' }, (e) => toIdleWithDamping(notify(e.notification)))
    // "If the HoldTimer_Expires event (Event 10) occurs before a KEEPALIVE message is received, the local
    // system: sends the NOTIFICATION message with the Error Code Hold Timer Expired, ..."
    .with({ type: 'HoldTimer_Expires' }, () => toIdleWithDamping(notify(HOLD_TIMER_EXPIRED)))
    // "If the local system receives a KeepaliveTimer_Expires event (Event 11), the local system: sends a
    // KEEPALIVE message, restarts the KeepaliveTimer, and remains in the OpenConfirmed state."
    .with({ type: 'KeepaliveTimer_Expires' }, () => stay('OpenConfirm', { type: 'send-keepalive' }, timer('keepalive')))
    // "In the event of a TcpConnection_Valid event (Event 14), or the success of a TCP connection (Event
    // 16 or Event 17) while in OpenConfirm, the local system needs to track the second connection."
    .with({ type: ALL_TCP_UP }, () => stay('OpenConfirm'))
    // "If the local system receives a TcpConnectionFails event (Event 18) from the underlying TCP or a
    // NOTIFICATION message (Event 25), the local system: sets the ConnectRetryTimer to zero, releases all
    // BGP resources, drops the TCP connection, increments the ConnectRetryCounter by 1, (optionally)
    // performs peer oscillation damping ..., and changes its state to Idle."
    .with({ type: P.union('TcpConnectionFails', 'NotifMsg') }, () => toIdleWithDamping())
    // "If the local system receives a NOTIFICATION message with a version error (NotifMsgVerErr (Event
    // 24)), the local system: sets the ConnectRetryTimer to zero, releases all BGP resources, drops the
    // TCP connection, and changes its state to Idle."
    .with({ type: 'NotifMsgVerErr' }, () => go('Idle', { type: 'stop-timers' }, { type: 'release-resources' }, { type: 'drop-connection' }))
    // "If the BGP message header checking (BGPHeaderErr (Event 21)) or OPEN message checking detects an
    // error (see Section 6.2) (BGPOpenMsgErr (Event 22)), the local system: sends a NOTIFICATION message
    // with the appropriate error code, ..."
    .with({ type: P.union('BGPHeaderErr', 'BGPOpenMsgErr') }, (e) => toIdleWithDamping(notify(e.notification)))
    // "If the local system receives a KEEPALIVE message (KeepAliveMsg (Event 26)), the local system:
    // restarts the HoldTimer and changes its state to Established."
    .with({ type: 'KeepAliveMsg' }, () => go('Established', timer('hold')))
    // BGPOpen (Event 19) in OpenConfirm is the RFC's collision hook for a SECOND connection; collisions are
    // resolved by collision.ts, so an OPEN here arrived on this very connection: an unexpected message.
    // "In response to any other event (Events 9, 12-13, 20, 27-28), the local system: sends a NOTIFICATION
    // with a code of Finite State Machine Error, ..." — RFC 6608 subcode 2.
    .with(
      { type: P.union('ConnectRetryTimer_Expires', 'IdleHoldTimer_Expires', 'BGPOpen', 'UpdateMsg', 'UpdateMsgErr', 'RouteRefreshMsg', 'RouteRefreshMsgErr') },
      () => toIdleWithDamping(notify(fsmError('OpenConfirm'))),
    )
    .exhaustive();
}

function established(event: FsmEvent): FsmTransition {
  return match<FsmEvent, FsmTransition>(event)
    .with({ type: P.union('ManualStart', 'ManualStart_with_PassiveTcpEstablishment') }, () => stay('Established'))
    // "In response to a ManualStop event (initiated by an operator) (Event 2), the local system: sends the
    // NOTIFICATION message with a Cease, sets the ConnectRetryTimer to zero, deletes all routes associated
    // with this connection, releases BGP resources, drops the TCP connection, sets the ConnectRetryCounter
    // to zero, and changes its state to Idle."
    .with({ type: 'ManualStop' }, (e) => manualStop(e.notification))
    // "In response to an AutomaticStop event (Event 8), the local system: sends a NOTIFICATION with a Cease,
    // ..., deletes all routes associated with this connection, ..., increments the ConnectRetryCounter by
    // 1, (optionally) performs peer oscillation damping ..., and changes its state to Idle."
    .with({ type: 'AutomaticStop' }, (e) => toIdleWithDamping(notify(e.notification)))
    // "If the HoldTimer_Expires event occurs (Event 10), the local system: sends a NOTIFICATION message with
    // the Error Code Hold Timer Expired, ..."
    .with({ type: 'HoldTimer_Expires' }, () => toIdleWithDamping(notify(HOLD_TIMER_EXPIRED)))
    // "If the KeepaliveTimer_Expires event occurs (Event 11), the local system: sends a KEEPALIVE message,
    // and restarts its KeepaliveTimer, unless the negotiated HoldTime value is zero."
    .with({ type: 'KeepaliveTimer_Expires' }, () => stay('Established', { type: 'send-keepalive' }, timer('keepalive')))
    // "Each time the local system receives a TcpConnection_Valid (Event 14) ... the second connection SHALL
    // be tracked until it sends an OPEN message." CollisionDetectEstablishedState is FALSE: the newcomer loses.
    .with({ type: ALL_TCP_UP }, () => stay('Established'))
    // "If the local system receives a NOTIFICATION message (Event 24 or Event 25) or a TcpConnectionFails
    // (Event 18) from the underlying TCP, the local system: sets the ConnectRetryTimer to zero, deletes all
    // routes associated with this connection, releases all the BGP resources, drops the TCP connection,
    // increments the ConnectRetryCounter by 1, and changes its state to Idle." (+ damping, §8.1.1)
    .with({ type: P.union('NotifMsgVerErr', 'NotifMsg', 'TcpConnectionFails') }, () => toIdleWithDamping())
    // "If the local system receives a KEEPALIVE message (Event 26), the local system: restarts its HoldTimer,
    // if the negotiated HoldTime value is non-zero, and remains in the Established state."
    .with({ type: 'KeepAliveMsg' }, () => stay('Established', timer('hold')))
    // "If the local system receives an UPDATE message (Event 27), the local system: processes the message,
    // restarts its HoldTimer, if the negotiated HoldTime value is non-zero, and remains in the Established state."
    .with({ type: 'UpdateMsg' }, () => stay('Established', timer('hold'), { type: 'deliver-update' }))
    // RFC 2918 §4 / RFC 7313 §4: a ROUTE-REFRESH is processed in Established; any valid message is liveness.
    .with({ type: 'RouteRefreshMsg' }, () => stay('Established', timer('hold'), { type: 'deliver-route-refresh' }))
    // "If the local system receives an UPDATE message, and the UPDATE message error handling procedure (see
    // Section 6.3) detects an error (Event 28), the local system: sends a NOTIFICATION message with an
    // Update error, ..." (RFC 7606: only session-reset errors become this event.) Same for RFC 7313 §5.
    .with({ type: P.union('UpdateMsgErr', 'RouteRefreshMsgErr') }, (e) => toIdleWithDamping(notify(e.notification)))
    // A header error is reported with its own §6.1 NOTIFICATION (Message Header Error), not FSM Error.
    .with({ type: 'BGPHeaderErr' }, (e) => toIdleWithDamping(notify(e.notification)))
    // "In response to any other event (Events 9, 12-13, 20-22), the local system: deletes all routes
    // associated with this connection, sends a NOTIFICATION message with the Error Code Finite State
    // Machine Error, ..." — RFC 6608 subcode 3 (e.g. an OPEN in Established).
    .with({ type: P.union('ConnectRetryTimer_Expires', 'IdleHoldTimer_Expires', 'BGPOpen', 'BGPOpenMsgErr') }, () => toIdleWithDamping(notify(fsmError('Established'))))
    .exhaustive();
}

/** RFC 4271 §8.2.2: the whole FSM. Pure. */
export function transition(state: FsmState, event: FsmEvent): FsmTransition {
  return match<FsmState, FsmTransition>(state)
    .with('Idle', () => idle(event))
    .with('Connect', () => connectOrActive('Connect', event))
    .with('Active', () => connectOrActive('Active', event))
    .with('OpenSent', () => openSent(event))
    .with('OpenConfirm', () => openConfirm(event))
    .with('Established', () => established(event))
    .exhaustive();
}

/** The kebab-case reason token for a state change caused by `event` (logs, metrics, the 'down' event). */
export function eventReason(event: FsmEvent): string {
  return match<FsmEvent, string>(event)
    .with({ type: 'ManualStart' }, () => 'manual-start')
    .with({ type: 'ManualStart_with_PassiveTcpEstablishment' }, () => 'manual-start-passive')
    .with({ type: 'ManualStop' }, () => 'manual-stop')
    .with({ type: 'AutomaticStop' }, () => 'automatic-stop')
    .with({ type: 'ConnectRetryTimer_Expires' }, () => 'connect-retry-timer-expired')
    .with({ type: 'HoldTimer_Expires' }, () => 'hold-timer-expired')
    .with({ type: 'KeepaliveTimer_Expires' }, () => 'keepalive-timer-expired')
    .with({ type: 'IdleHoldTimer_Expires' }, () => 'automatic-start')
    .with({ type: 'Tcp_CR_Acked' }, () => 'tcp-connected')
    .with({ type: 'TcpConnectionConfirmed' }, () => 'tcp-accepted')
    .with({ type: 'TcpConnectionFails' }, () => 'tcp-connection-failed')
    .with({ type: 'BGPOpen' }, () => 'open-received')
    .with({ type: 'BGPHeaderErr' }, () => 'message-header-error')
    .with({ type: 'BGPOpenMsgErr' }, () => 'open-message-error')
    .with({ type: 'NotifMsgVerErr' }, () => 'notification-version-error')
    .with({ type: 'NotifMsg' }, () => 'notification-received')
    .with({ type: 'KeepAliveMsg' }, () => 'keepalive-received')
    .with({ type: 'UpdateMsg' }, () => 'update-received')
    .with({ type: 'UpdateMsgErr' }, () => 'update-message-error')
    .with({ type: 'RouteRefreshMsg' }, () => 'route-refresh-received')
    .with({ type: 'RouteRefreshMsgErr' }, () => 'route-refresh-message-error')
    .exhaustive();
}
