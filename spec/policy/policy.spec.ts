import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compilePolicy } from '../../lib/policy/compile.js';
import { DEFAULT_TERM, evaluatePolicy, termAccepts } from '../../lib/policy/evaluate.js';
import { applyActions } from '../../lib/policy/actions.js';
import { PolicyError } from '../../lib/policy/errors.js';
import { parseCommunity, parseLargeCommunity } from '../../lib/policy/communities.js';
import { prependAsPath, stripConfedSegments } from '../../lib/policy/as-path.js';
import type { Policy, PolicyMatch } from '../../lib/policy/types.js';
import { P, attrs, seq, set } from '../rib/fixtures.js';

const test = suite('policy');

const matches = (m: PolicyMatch, prefix: string, a = attrs()): boolean => evaluatePolicy(compilePolicy({ terms: [{ match: m, action: 'accept' }], default: 'reject' }), P(prefix), a) === 0;

test('prefix match without ge/le is exact', () => {
  assert.ok(matches({ prefixes: [{ prefix: '10.0.0.0/8' }] }, '10.0.0.0/8'));
  assert.not.ok(matches({ prefixes: [{ prefix: '10.0.0.0/8' }] }, '10.1.0.0/16'));
});

test('prefix match ge/le follow prefix-list semantics', () => {
  const m = { prefixes: [{ prefix: '10.0.0.0/8', ge: 16, le: 24 }] };
  assert.ok(matches(m, '10.1.0.0/16'));
  assert.ok(matches(m, '10.1.2.0/24'));
  assert.not.ok(matches(m, '10.0.0.0/8'));
  assert.not.ok(matches(m, '10.1.2.128/25'));
  assert.not.ok(matches(m, '11.1.0.0/16'));
  assert.ok(matches({ prefixes: [{ prefix: '10.0.0.0/8', le: 16 }] }, '10.0.0.0/8'));
  assert.ok(matches({ prefixes: [{ prefix: '10.0.0.0/8', ge: 30 }] }, '10.0.0.4/32'));
  assert.ok(matches({ prefixes: [{ prefix: '2001:db8::/32', le: 48 }] }, '2001:db8:1::/48'));
  assert.not.ok(matches({ prefixes: [{ prefix: '10.0.0.0/8', le: 32 }] }, '2001:db8::/32'));
});

test('AS path regex, AS path contains, communities, large communities', () => {
  const a = attrs({ path: [65001, 3356, 15169], communities: [parseCommunity('65000:100', ''), 0xffffff01], largeCommunities: [[1, 2, 3]] });
  assert.ok(matches({ asPathRegex: '^65001 ' }, '10.0.0.0/8', a));
  assert.ok(matches({ asPathRegex: ' 15169$' }, '10.0.0.0/8', a));
  assert.not.ok(matches({ asPathRegex: '^3356' }, '10.0.0.0/8', a));
  assert.ok(matches({ asPathContains: [1, 3356] }, '10.0.0.0/8', a));
  assert.not.ok(matches({ asPathContains: [174] }, '10.0.0.0/8', a));
  assert.ok(matches({ communities: ['no-export'] }, '10.0.0.0/8', a));
  assert.ok(matches({ communities: ['65000:100'] }, '10.0.0.0/8', a));
  assert.not.ok(matches({ communities: ['65000:101'] }, '10.0.0.0/8', a));
  assert.ok(matches({ largeCommunities: ['1:2:3'] }, '10.0.0.0/8', a));
  assert.not.ok(matches({ largeCommunities: ['1:2:4'] }, '10.0.0.0/8', a));
  assert.not.ok(matches({ asPathContains: [3356], communities: ['65000:101'] }, '10.0.0.0/8', a), 'conditions are ANDed');
});

test('first matching term decides; no match → default', () => {
  const p: Policy = { terms: [{ match: { prefixes: [{ prefix: '10.0.0.0/8' }] }, action: 'reject' }, { action: 'accept', set: { med: 1 } }], default: 'reject' };
  const c = compilePolicy(p);
  assert.is(evaluatePolicy(c, P('10.0.0.0/8'), attrs()), 0);
  assert.not.ok(termAccepts(c, 0));
  assert.is(evaluatePolicy(c, P('11.0.0.0/8'), attrs()), 1);
  assert.ok(termAccepts(c, 1));
  const d = compilePolicy({ terms: [], default: 'reject' });
  assert.is(evaluatePolicy(d, P('11.0.0.0/8'), attrs()), DEFAULT_TERM);
  assert.not.ok(termAccepts(d, DEFAULT_TERM));
});

test('actions build a new attribute set and never touch the (frozen) input', () => {
  const a = attrs({ path: [65001], communities: [1, 2], largeCommunities: [[1, 1, 1]] });
  const set = compilePolicy({ terms: [{ action: 'accept', set: { localPref: 300, med: 9, prepend: 2, addCommunities: ['0:3', '0:1'], removeCommunities: ['0:2'], addLargeCommunities: ['2:2:2'], removeLargeCommunities: ['1:1:1'] } }], default: 'accept' }).terms[0].set;
  const b = applyActions(a, set, 65001);
  assert.ok(Object.isFrozen(a));
  assert.equal(a.communities, [1, 2]);
  assert.is(b.localPref, 300);
  assert.is(b.med, 9);
  assert.equal(b.asPath, [seq(65001, 65001, 65001)]);
  assert.equal(b.asPathEffective, b.asPath);
  assert.equal(b.communities, [1, 3]);
  assert.equal(b.largeCommunities, [[2, 2, 2]]);
  const none = compilePolicy({ terms: [{ action: 'accept' }], default: 'accept' }).terms[0].set;
  assert.is(applyActions(a, none, 65001), a, 'no actions → the same object');
});

test('AS path helpers: prepend into a leading AS_SEQUENCE, before an AS_SET; confed segments stripped', () => {
  assert.equal(prependAsPath([seq(1, 2)], 9, 2), [seq(9, 9, 1, 2)]);
  assert.equal(prependAsPath([set(1, 2)], 9, 1), [seq(9), set(1, 2)]);
  assert.equal(prependAsPath(undefined, 9, 1), [seq(9)]);
  assert.equal(stripConfedSegments([{ type: 3, asns: [1] }, seq(2), { type: 4, asns: [3] }]), [seq(2)]);
});

test('compile errors name the field (PolicyError path)', () => {
  const bad: [Policy, string][] = [
    [{ terms: [{ match: { prefixes: [{ prefix: '10.0.0.0/33' }] }, action: 'accept' }], default: 'accept' }, 'terms[0].match.prefixes[0].prefix'],
    [{ terms: [{ match: { prefixes: [{ prefix: '10.0.0.0/16', ge: 8 }] }, action: 'accept' }], default: 'accept' }, 'terms[0].match.prefixes[0].ge'],
    [{ terms: [{ match: { prefixes: [{ prefix: '10.0.0.0/16', ge: 24, le: 20 }] }, action: 'accept' }], default: 'accept' }, 'terms[0].match.prefixes[0].le'],
    [{ terms: [{ action: 'accept' }, { match: { asPathRegex: '(' }, action: 'accept' }], default: 'accept' }, 'terms[1].match.asPathRegex'],
    [{ terms: [{ match: { communities: ['65536:1'] }, action: 'accept' }], default: 'accept' }, 'terms[0].match.communities[0]'],
    [{ terms: [{ action: 'accept', set: { addLargeCommunities: ['1:2'] } }], default: 'accept' }, 'terms[0].set.addLargeCommunities[0]'],
    [{ terms: [{ action: 'accept', set: { localPref: -1 } }], default: 'accept' }, 'terms[0].set.localPref'],
    [{ terms: [], default: 'maybe' as 'accept' }, 'default'],
  ];
  for (const [p, path] of bad) {
    try {
      compilePolicy(p);
      assert.unreachable(path);
    } catch (e) {
      assert.instance(e, PolicyError);
      assert.is((e as PolicyError).path, path);
      assert.is((e as PolicyError).code, 'BTRD_ERR_POLICY');
    }
  }
});

test('community parsing: numeric and well-known names (RFC 1997), large (RFC 8092)', () => {
  assert.is(parseCommunity('no-export', ''), 0xffffff01);
  assert.is(parseCommunity('NO-ADVERTISE', ''), 0xffffff02);
  assert.is(parseCommunity('no-export-subconfed', ''), 0xffffff03);
  assert.is(parseCommunity('65535:65535', ''), 0xffffffff);
  assert.equal(parseLargeCommunity('4294967295:0:1', ''), [4294967295, 0, 1]);
});

test.run();
