import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { match } from 'ts-pattern';
import { HOLD_TIMER_EXPIRED, LARGE_HOLD_TIME, eventReason, fsmError, transition, type FsmAction, type FsmEvent } from '../../lib/session/fsm.js';
import { FSM_STATES, type FsmState } from '../../lib/session/types.js';
import { resolveCollision } from '../../lib/session/collision.js';

const fsm = suite('session/fsm');

const EMPTY = new Uint8Array(0);
const CEASE = { code: 6, subcode: 2, data: EMPTY };
const MAXPFX = { code: 6, subcode: 1, data: EMPTY };
const OPENERR = { code: 2, subcode: 2, data: EMPTY };
const UPDERR = { code: 3, subcode: 1, data: EMPTY };

/** The tail every error path to Idle shares (release, drop, counter + 1, damping). */
const IDLE_TAIL: FsmAction[] = [
  { type: 'stop-timers' },
  { type: 'release-resources' },
  { type: 'drop-connection' },
  { type: 'increment-connect-retry-counter' },
  { type: 'start-timer', timer: 'idle-hold' },
];
const MANUAL_STOP_TAIL: FsmAction[] = [{ type: 'stop-timers' }, { type: 'release-resources' }, { type: 'drop-connection' }, { type: 'reset-connect-retry-counter' }];
const notify = (n: { code: number; subcode: number; data: Uint8Array }): FsmAction => ({ type: 'send-notification', notification: n });

type Row = [state: FsmState, event: FsmEvent, next: FsmState, actions: FsmAction[], rfc: string];

/** (state, event) → (next, actions), each quoting RFC 4271 §8.2.2 (and RFC 6608 for FSM error subcodes). */
const ROWS: Row[] = [
  // ---- Idle
  ['Idle', { type: 'ManualStart' }, 'Connect', [{ type: 'reset-connect-retry-counter' }, { type: 'start-timer', timer: 'connect-retry' }, { type: 'connect' }],
    'Idle: ManualStart "sets ConnectRetryCounter to zero, starts the ConnectRetryTimer ..., initiates a TCP connection ... changes its state to Connect"'],
  ['Idle', { type: 'ManualStart_with_PassiveTcpEstablishment' }, 'Active', [{ type: 'reset-connect-retry-counter' }, { type: 'start-timer', timer: 'connect-retry' }],
    'Idle: ManualStart_with_PassiveTcpEstablishment "... changes its state to Active"'],
  ['Idle', { type: 'IdleHoldTimer_Expires', passive: false }, 'Connect', [{ type: 'start-timer', timer: 'connect-retry' }, { type: 'connect' }],
    'Idle: IdleHoldTimer expiry is AutomaticStart (Event 3) under DampPeerOscillations (§8.1.1)'],
  ['Idle', { type: 'IdleHoldTimer_Expires', passive: true }, 'Active', [{ type: 'start-timer', timer: 'connect-retry' }],
    'Idle: IdleHoldTimer expiry is AutomaticStart_with_PassiveTcpEstablishment (Event 5) for a passive peer'],
  ['Idle', { type: 'ManualStop', notification: CEASE }, 'Idle', [{ type: 'stop-timers' }, { type: 'reset-connect-retry-counter' }],
    'Idle: "The ManualStop event (Event 2) ... ignored in the Idle state" (a pending automatic restart is cancelled)'],
  ['Idle', { type: 'TcpConnectionConfirmed' }, 'Idle', [{ type: 'drop-connection' }], 'Idle: "BGP FSM refuses all incoming BGP connections for this peer"'],
  ['Idle', { type: 'KeepAliveMsg' }, 'Idle', [], 'Idle: "Any other events (Events 9-12, 15-28) ... do not cause change in the state"'],
  ['Idle', { type: 'AutomaticStop', notification: MAXPFX }, 'Idle', [], 'Idle: "AutomaticStop (Event 8) event are ignored in the Idle state"'],
  // ---- Connect
  ['Connect', { type: 'ManualStart' }, 'Connect', [], 'Connect: "Any start event (Events 1, 3-7) is ignored in the Connect state"'],
  ['Connect', { type: 'ManualStop', notification: CEASE }, 'Idle', MANUAL_STOP_TAIL,
    'Connect: ManualStop "drops the TCP connection, releases all BGP resources, sets ConnectRetryCounter to zero, stops the ConnectRetryTimer"'],
  ['Connect', { type: 'ConnectRetryTimer_Expires', passive: false }, 'Connect', [{ type: 'drop-connection' }, { type: 'start-timer', timer: 'connect-retry' }, { type: 'connect' }],
    'Connect: ConnectRetryTimer_Expires "drops the TCP connection, restarts the ConnectRetryTimer, ... initiates a TCP connection ... stays in the Connect state"'],
  ['Connect', { type: 'Tcp_CR_Acked' }, 'OpenSent', [{ type: 'stop-timer', timer: 'connect-retry' }, { type: 'send-open' }, { type: 'start-timer', timer: 'hold', seconds: LARGE_HOLD_TIME }],
    'Connect: "If the TCP connection succeeds (Event 16 or Event 17) ... sends an OPEN message to its peer, sets the HoldTimer to a large value, and changes its state to OpenSent"'],
  ['Connect', { type: 'TcpConnectionConfirmed' }, 'OpenSent', [{ type: 'stop-timer', timer: 'connect-retry' }, { type: 'send-open' }, { type: 'start-timer', timer: 'hold', seconds: 240 }],
    'Connect: Event 17 as Event 16; "A HoldTimer value of 4 minutes is suggested"'],
  ['Connect', { type: 'TcpConnectionFails' }, 'Idle', [{ type: 'stop-timers' }, { type: 'drop-connection' }, { type: 'release-resources' }, { type: 'start-timer', timer: 'idle-hold' }],
    'Connect: TcpConnectionFails, DelayOpenTimer not running: "stops the ConnectRetryTimer to zero, drops the TCP connection, releases all BGP resources, and changes its state to Idle"'],
  ['Connect', { type: 'KeepAliveMsg' }, 'Idle', IDLE_TAIL, 'Connect: "any other event ... increments the ConnectRetryCounter by 1, performs peer oscillation damping ..., Idle"'],
  // ---- Active
  ['Active', { type: 'ConnectRetryTimer_Expires', passive: false }, 'Connect', [{ type: 'start-timer', timer: 'connect-retry' }, { type: 'connect' }],
    'Active: ConnectRetryTimer_Expires "restarts the ConnectRetryTimer (with initial value), initiates a TCP connection ... changes its state to Connect"'],
  ['Active', { type: 'ConnectRetryTimer_Expires', passive: true }, 'Active', [{ type: 'start-timer', timer: 'connect-retry' }],
    'Active: PassiveTcpEstablishment "will passively wait for the remote BGP peer to establish the BGP TCP connection" (§8.1.1)'],
  ['Active', { type: 'TcpConnectionConfirmed' }, 'OpenSent', [{ type: 'stop-timer', timer: 'connect-retry' }, { type: 'send-open' }, { type: 'start-timer', timer: 'hold', seconds: LARGE_HOLD_TIME }],
    'Active: "If the TCP connection succeeds (Event 16 or Event 17) ... sends the OPEN message to its peer, sets its HoldTimer to a large value, and changes its state to OpenSent"'],
  ['Active', { type: 'TcpConnectionFails' }, 'Idle', IDLE_TAIL,
    'Active: TcpConnectionFails "... releases all BGP resource, increments the ConnectRetryCounter by 1, optionally performs peer oscillation damping, and changes its state to Idle"'],
  ['Active', { type: 'ManualStop', notification: CEASE }, 'Idle', MANUAL_STOP_TAIL, 'Active: ManualStop "... sets ConnectRetryCounter to zero ... changes its state to Idle"'],
  // ---- OpenSent
  ['OpenSent', { type: 'ManualStop', notification: CEASE }, 'Idle', [notify(CEASE), ...MANUAL_STOP_TAIL],
    'OpenSent: ManualStop "sends the NOTIFICATION with a Cease, ..., sets the ConnectRetryCounter to zero, and changes its state to Idle"'],
  ['OpenSent', { type: 'AutomaticStop', notification: MAXPFX }, 'Idle', [notify(MAXPFX), ...IDLE_TAIL],
    'OpenSent: AutomaticStop "sends the NOTIFICATION with a Cease, ..., increments the ConnectRetryCounter by 1, (optionally) performs peer oscillation damping"'],
  ['OpenSent', { type: 'HoldTimer_Expires' }, 'Idle', [notify(HOLD_TIMER_EXPIRED), ...IDLE_TAIL],
    'OpenSent: HoldTimer_Expires "sends a NOTIFICATION message with the error code Hold Timer Expired"'],
  ['OpenSent', { type: 'TcpConnectionConfirmed' }, 'OpenSent', [],
    'OpenSent: "a second TCP connection may be in progress. This second TCP connection is tracked per Connection Collision processing (Section 6.8)"'],
  ['OpenSent', { type: 'TcpConnectionFails' }, 'Active', [{ type: 'stop-timers' }, { type: 'drop-connection' }, { type: 'start-timer', timer: 'connect-retry' }],
    'OpenSent: TcpConnectionFails "closes the BGP connection, restarts the ConnectRetryTimer, continues to listen ..., and changes its state to Active"'],
  ['OpenSent', { type: 'BGPOpen', holdTime: 90 }, 'OpenConfirm',
    [{ type: 'stop-timer', timer: 'connect-retry' }, { type: 'send-keepalive' }, { type: 'start-timer', timer: 'keepalive', seconds: 30 }, { type: 'start-timer', timer: 'hold', seconds: 90 }],
    'OpenSent: BGPOpen "sends a KEEPALIVE message, and sets a KeepaliveTimer ... sets the HoldTimer according to the negotiated value ..., changes its state to OpenConfirm"'],
  ['OpenSent', { type: 'BGPOpen', holdTime: 0 }, 'OpenConfirm',
    [{ type: 'stop-timer', timer: 'connect-retry' }, { type: 'send-keepalive' }, { type: 'stop-timer', timer: 'hold' }, { type: 'stop-timer', timer: 'keepalive' }],
    'OpenSent: "If the negotiated hold time value is zero, then the HoldTimer and KeepaliveTimer are not started"'],
  ['OpenSent', { type: 'BGPOpenMsgErr', notification: OPENERR }, 'Idle', [notify(OPENERR), ...IDLE_TAIL],
    'OpenSent: OPEN message checking detects an error (Event 22): "sends a NOTIFICATION message with the appropriate error code"'],
  ['OpenSent', { type: 'NotifMsgVerErr' }, 'Idle', [{ type: 'stop-timers' }, { type: 'release-resources' }, { type: 'drop-connection' }],
    'OpenSent: NotifMsgVerErr "sets the ConnectRetryTimer to zero, releases all BGP resources, drops the TCP connection, and changes its state to Idle"'],
  ['OpenSent', { type: 'KeepAliveMsg' }, 'Idle', [notify(fsmError('OpenSent')), ...IDLE_TAIL],
    'OpenSent: any other event "sends the NOTIFICATION with the Error Code Finite State Machine Error" — RFC 6608 subcode 1'],
  ['OpenSent', { type: 'UpdateMsg' }, 'Idle', [notify({ code: 5, subcode: 1, data: EMPTY }), ...IDLE_TAIL], 'OpenSent: UPDATE is unexpected (RFC 6608 §4: 5/1)'],
  ['OpenSent', { type: 'RouteRefreshMsg' }, 'Idle', [notify({ code: 5, subcode: 1, data: EMPTY }), ...IDLE_TAIL], 'OpenSent: ROUTE-REFRESH is unexpected (RFC 6608 §4: 5/1)'],
  ['OpenSent', { type: 'NotifMsg' }, 'Idle', IDLE_TAIL, 'OpenSent: a NOTIFICATION is never answered with one (RFC 4271 §4.5)'],
  // ---- OpenConfirm
  ['OpenConfirm', { type: 'ManualStop', notification: CEASE }, 'Idle', [notify(CEASE), ...MANUAL_STOP_TAIL],
    'OpenConfirm: ManualStop "sends the NOTIFICATION message with a Cease, ... sets the ConnectRetryCounter to zero"'],
  ['OpenConfirm', { type: 'HoldTimer_Expires' }, 'Idle', [notify(HOLD_TIMER_EXPIRED), ...IDLE_TAIL],
    'OpenConfirm: "If the HoldTimer_Expires event (Event 10) occurs before a KEEPALIVE message is received ... Hold Timer Expired"'],
  ['OpenConfirm', { type: 'KeepaliveTimer_Expires' }, 'OpenConfirm', [{ type: 'send-keepalive' }, { type: 'start-timer', timer: 'keepalive' }],
    'OpenConfirm: KeepaliveTimer_Expires "sends a KEEPALIVE message, restarts the KeepaliveTimer, and remains in the OpenConfirmed state"'],
  ['OpenConfirm', { type: 'TcpConnectionFails' }, 'Idle', IDLE_TAIL,
    'OpenConfirm: TcpConnectionFails "... increments the ConnectRetryCounter by 1, (optionally) performs peer oscillation damping ..., Idle"'],
  ['OpenConfirm', { type: 'NotifMsg' }, 'Idle', IDLE_TAIL, 'OpenConfirm: "or a NOTIFICATION message (Event 25)": same as TcpConnectionFails'],
  ['OpenConfirm', { type: 'KeepAliveMsg' }, 'Established', [{ type: 'start-timer', timer: 'hold' }],
    'OpenConfirm: KeepAliveMsg "restarts the HoldTimer and changes its state to Established"'],
  ['OpenConfirm', { type: 'UpdateMsg' }, 'Idle', [notify(fsmError('OpenConfirm')), ...IDLE_TAIL],
    'OpenConfirm: any other event "sends a NOTIFICATION with a code of Finite State Machine Error" — RFC 6608 subcode 2'],
  ['OpenConfirm', { type: 'BGPOpen', holdTime: 90 }, 'Idle', [notify({ code: 5, subcode: 2, data: EMPTY }), ...IDLE_TAIL],
    'OpenConfirm: a second OPEN on the same connection is unexpected (collisions are resolved per §6.8 outside the FSM)'],
  // ---- Established
  ['Established', { type: 'ManualStop', notification: CEASE }, 'Idle', [notify(CEASE), ...MANUAL_STOP_TAIL],
    'Established: ManualStop "sends the NOTIFICATION message with a Cease, ... deletes all routes ..., sets the ConnectRetryCounter to zero"'],
  ['Established', { type: 'AutomaticStop', notification: MAXPFX }, 'Idle', [notify(MAXPFX), ...IDLE_TAIL],
    'Established: AutomaticStop "sends a NOTIFICATION with a Cease, ... increments the ConnectRetryCounter by 1, (optionally) performs peer oscillation damping"'],
  ['Established', { type: 'HoldTimer_Expires' }, 'Idle', [notify(HOLD_TIMER_EXPIRED), ...IDLE_TAIL],
    'Established: HoldTimer_Expires "sends a NOTIFICATION message with the Error Code Hold Timer Expired"'],
  ['Established', { type: 'KeepaliveTimer_Expires' }, 'Established', [{ type: 'send-keepalive' }, { type: 'start-timer', timer: 'keepalive' }],
    'Established: KeepaliveTimer_Expires "sends a KEEPALIVE message, and restarts its KeepaliveTimer"'],
  ['Established', { type: 'KeepAliveMsg' }, 'Established', [{ type: 'start-timer', timer: 'hold' }],
    'Established: KeepAliveMsg "restarts its HoldTimer, if the negotiated HoldTime value is non-zero, and remains in the Established state"'],
  ['Established', { type: 'UpdateMsg' }, 'Established', [{ type: 'start-timer', timer: 'hold' }, { type: 'deliver-update' }],
    'Established: UpdateMsg "processes the message, restarts its HoldTimer ..., and remains in the Established state"'],
  ['Established', { type: 'UpdateMsgErr', notification: UPDERR }, 'Idle', [notify(UPDERR), ...IDLE_TAIL],
    'Established: UpdateMsgErr "sends a NOTIFICATION message with an Update error"'],
  ['Established', { type: 'RouteRefreshMsg' }, 'Established', [{ type: 'start-timer', timer: 'hold' }, { type: 'deliver-route-refresh' }],
    'Established: ROUTE-REFRESH is processed (RFC 2918 §4)'],
  ['Established', { type: 'NotifMsg' }, 'Idle', IDLE_TAIL,
    'Established: NOTIFICATION (Event 25) "deletes all routes ..., drops the TCP connection, increments the ConnectRetryCounter by 1, and changes its state to Idle"'],
  ['Established', { type: 'TcpConnectionFails' }, 'Idle', IDLE_TAIL, 'Established: TcpConnectionFails, same as a NOTIFICATION'],
  ['Established', { type: 'TcpConnectionConfirmed' }, 'Established', [], 'Established: "the second connection SHALL be tracked until it sends an OPEN message"'],
  ['Established', { type: 'BGPOpen', holdTime: 90 }, 'Idle', [notify(fsmError('Established')), ...IDLE_TAIL],
    'Established: any other event "sends a NOTIFICATION message with the Error Code Finite State Machine Error" — RFC 6608 subcode 3'],
];

for (const [state, event, next, actions, rfc] of ROWS) {
  fsm(`${state} + ${event.type} → ${next}: ${rfc}`, () => {
    const t = transition(state, event);
    assert.is(t.next, next);
    assert.equal(t.actions, actions);
  });
}

fsm('RFC 6608 §3 subcodes: 5/1 OpenSent, 5/2 OpenConfirm, 5/3 Established', () => {
  assert.equal([fsmError('OpenSent').subcode, fsmError('OpenConfirm').subcode, fsmError('Established').subcode], [1, 2, 3]);
  assert.ok([fsmError('OpenSent'), fsmError('OpenConfirm'), fsmError('Established')].every((n) => n.code === 5));
});

fsm('hold timer expiry is NOTIFICATION 4/0 (RFC 4271 §6.5)', () => {
  assert.is(HOLD_TIMER_EXPIRED.code, 4);
  assert.is(HOLD_TIMER_EXPIRED.subcode, 0);
});

const ALL_EVENTS: FsmEvent[] = [
  { type: 'ManualStart' }, { type: 'ManualStop', notification: CEASE }, { type: 'AutomaticStop', notification: MAXPFX },
  { type: 'ManualStart_with_PassiveTcpEstablishment' }, { type: 'ConnectRetryTimer_Expires', passive: false }, { type: 'ConnectRetryTimer_Expires', passive: true },
  { type: 'HoldTimer_Expires' }, { type: 'KeepaliveTimer_Expires' }, { type: 'IdleHoldTimer_Expires', passive: false }, { type: 'IdleHoldTimer_Expires', passive: true },
  { type: 'Tcp_CR_Acked' }, { type: 'TcpConnectionConfirmed' }, { type: 'TcpConnectionFails' }, { type: 'BGPOpen', holdTime: 90 },
  { type: 'BGPHeaderErr', notification: { code: 1, subcode: 2, data: EMPTY } }, { type: 'BGPOpenMsgErr', notification: OPENERR }, { type: 'NotifMsgVerErr' },
  { type: 'NotifMsg' }, { type: 'KeepAliveMsg' }, { type: 'UpdateMsg' }, { type: 'UpdateMsgErr', notification: UPDERR },
  { type: 'RouteRefreshMsg' }, { type: 'RouteRefreshMsgErr', notification: { code: 7, subcode: 1, data: EMPTY } },
];

fsm('every (state, event) pair has a transition; every path to Idle stops all timers (except ignored events in Idle)', () => {
  for (const s of FSM_STATES) {
    for (const e of ALL_EVENTS) {
      const t = transition(s, e);
      assert.ok(FSM_STATES.includes(t.next), `${s} + ${e.type}`);
      if (t.next === 'Idle' && s !== 'Idle') assert.ok(t.actions.some((a) => a.type === 'stop-timers'), `${s} + ${e.type} stops timers`);
      assert.type(eventReason(e), 'string');
    }
  }
});

fsm('ManualStop never schedules an automatic restart; errors to Idle always do (DampPeerOscillations, RFC 4271 §8.1.1)', () => {
  for (const s of FSM_STATES) {
    const stop = transition(s, { type: 'ManualStop', notification: CEASE });
    assert.not.ok(stop.actions.some((a) => a.type === 'start-timer'), `${s} ManualStop`);
    for (const e of ALL_EVENTS) {
      const t = transition(s, e);
      if (s !== 'Idle' && t.next === 'Idle' && e.type !== 'ManualStop' && e.type !== 'NotifMsgVerErr') {
        assert.ok(t.actions.some((a) => a.type === 'start-timer' && a.timer === 'idle-hold'), `${s} + ${e.type} restarts after back-off`);
      }
    }
  }
});

fsm('a NOTIFICATION is sent only in states with an OPEN exchange (OpenSent, OpenConfirm, Established)', () => {
  for (const s of ['Idle', 'Connect', 'Active'] as const) {
    for (const e of ALL_EVENTS) assert.not.ok(transition(s, e).actions.some((a) => a.type === 'send-notification'), `${s} + ${e.type}`);
  }
});

fsm('collision: the dominant (higher BGP identifier) speaker\'s connection survives (RFC 4271 §6.8)', () => {
  const base = { localBgpId: '10.0.0.1', localAs: 65001, remoteAs: 65002 } as const;
  // Local id lower: keep the connection the remote initiated (incoming).
  assert.is(resolveCollision({ ...base, remoteBgpId: '10.0.0.2', existingState: 'OpenConfirm', existingDirection: 'outgoing' }), 'keep-new');
  assert.is(resolveCollision({ ...base, remoteBgpId: '10.0.0.2', existingState: 'OpenConfirm', existingDirection: 'incoming' }), 'keep-existing');
  // Local id higher: keep our outgoing connection.
  assert.is(resolveCollision({ ...base, remoteBgpId: '9.0.0.1', existingState: 'OpenSent', existingDirection: 'outgoing' }), 'keep-existing');
  assert.is(resolveCollision({ ...base, remoteBgpId: '9.0.0.1', existingState: 'OpenSent', existingDirection: 'incoming' }), 'keep-new');
  // Identifiers compare as unsigned 32-bit numbers, not strings.
  assert.is(resolveCollision({ ...base, remoteBgpId: '9.255.255.255', existingState: 'OpenConfirm', existingDirection: 'outgoing' }), 'keep-existing');
  // RFC 6286 §2.3: equal identifiers → larger AS is dominant.
  assert.is(resolveCollision({ ...base, remoteBgpId: '10.0.0.1', existingState: 'OpenConfirm', existingDirection: 'outgoing' }), 'keep-new');
  // "a connection collision with an existing BGP connection that is in the Established state causes closing of the newly created connection"
  assert.is(resolveCollision({ ...base, remoteBgpId: '10.0.0.2', existingState: 'Established', existingDirection: 'outgoing' }), 'keep-existing');
});

fsm('a non-exhaustive match over FsmState does not compile (STYLE.md: ts-pattern .exhaustive())', () => {
  const describe = (s: FsmState): string =>
    match(s)
      .with('Idle', () => 'idle')
      .with('Connect', 'Active', () => 'connecting')
      .with('OpenSent', 'OpenConfirm', () => 'opening')
      // @ts-expect-error — 'Established' is not handled, so .exhaustive() is a type error.
      .exhaustive();
  assert.is(describe('Idle'), 'idle');
  // At run time an unhandled value throws (ts-pattern's NonExhaustiveError).
  assert.throws(() => describe('Established'));
});

fsm.run();
