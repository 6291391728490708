// Map groups: search the tenant's groups, pick a tier per group, preview what changes, save.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { gql } from './api.js';

const LOAD = `query MappingState($tenantId: ID!) {
  accessTiers { id name rank description }
  tierMappings(tenantId: $tenantId) { groupId groupDisplayName tier { id } }
}`;
const SEARCH = `query SearchGroups($tenantId: ID!, $filter: GroupFilter) {
  tenant(id: $tenantId) {
    groups(first: 50, filter: $filter) { edges { node { id displayName description kind dynamic memberCount } } }
  }
}`;
const PREVIEW = `query Preview($tenantId: ID!, $mappings: [TierMappingInput!]!) {
  previewTierMapping(tenantId: $tenantId, mappings: $mappings) {
    usersConsidered
    tiers { tier { id name } currentCount proposedCount }
    changes { user { id displayName userPrincipalName } from { name } to { name } }
    warnings { code message }
  }
}`;
const SET = `mutation SetMapping($tenantId: ID!, $groupId: ID!, $tierId: ID!) { setTierMapping(tenantId: $tenantId, groupId: $groupId, tierId: $tierId) { groupId } }`;
const REMOVE = `mutation RemoveMapping($tenantId: ID!, $groupId: ID!) { removeTierMapping(tenantId: $tenantId, groupId: $groupId) { groupId } }`;

const KINDS = { SECURITY: 'Security', MICROSOFT_365: 'Microsoft 365', MAIL_ENABLED_SECURITY: 'Mail-enabled security', DISTRIBUTION: 'Distribution' };

function useDebounced(value, ms) {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function GroupsStep({ session, heading, next, go }) {
  const tenantId = session.tenantId;
  const [tiers, setTiers] = useState([]);
  const [loaded, setLoaded] = useState(false);
  /** groupId -> tierId as saved, and as proposed. */
  const [saved, setSaved] = useState(new Map());
  const [proposed, setProposed] = useState(new Map());
  /** Every group seen (search results, current mappings), by id: mapped rows keep their details between searches. */
  const [known, setKnown] = useState(new Map());
  const [search, setSearch] = useState('');
  const [kind, setKind] = useState('');
  const [groups, setGroups] = useState(null);
  const [preview, setPreview] = useState(null);
  const [previewing, setPreviewing] = useState(false);
  const [error, setError] = useState(null);
  const [status, setStatus] = useState(null);
  const [saving, setSaving] = useState(false);
  const previewRun = useRef(0);

  const load = async () => {
    const data = await gql(LOAD, { tenantId });
    setTiers(data.accessTiers);
    setLoaded(true);
    const current = new Map(data.tierMappings.map((m) => [m.groupId, m.tier.id]));
    setSaved(current);
    setProposed(new Map(current));
    setKnown((old) => new Map([...data.tierMappings.map((m) => [m.groupId, { id: m.groupId, displayName: m.groupDisplayName }]), ...old]));
  };

  useEffect(() => {
    load().catch((err) => setError(err.message));
  }, []);

  const query = useDebounced(search.trim(), 300);
  useEffect(() => {
    const filter = {};
    if (query) filter.nameStartsWith = query;
    if (kind === 'DYNAMIC') filter.dynamic = true;
    else if (kind) filter.kind = kind;
    setGroups(null);
    gql(SEARCH, { tenantId, filter: Object.keys(filter).length ? filter : null })
      .then((data) => {
        const found = data.tenant?.groups?.edges.map((e) => e.node) ?? [];
        setGroups(found);
        setKnown((old) => new Map([...old, ...found.map((g) => [g.id, g])]));
      })
      .catch((err) => setError(err.message));
  }, [query, kind]);

  const changed = useMemo(() => {
    if (saved.size !== proposed.size) return true;
    for (const [group, tier] of proposed) if (saved.get(group) !== tier) return true;
    return false;
  }, [saved, proposed]);

  const mappings = useMemo(() => [...proposed].map(([groupId, tierId]) => ({ groupId, tierId })), [proposed]);
  const debouncedMappings = useDebounced(mappings, 400);
  useEffect(() => {
    if (!tiers.length) return;
    const run = ++previewRun.current;
    setPreviewing(true);
    gql(PREVIEW, { tenantId, mappings: debouncedMappings })
      .then((data) => run === previewRun.current && setPreview(data.previewTierMapping))
      .catch((err) => run === previewRun.current && setError(err.message))
      .finally(() => run === previewRun.current && setPreviewing(false));
  }, [debouncedMappings, tiers]);

  const choose = (groupId, tierId) => {
    setStatus(null);
    setProposed((old) => {
      const copy = new Map(old);
      if (tierId) copy.set(groupId, tierId);
      else copy.delete(groupId);
      return copy;
    });
  };

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      for (const [groupId, tierId] of proposed) if (saved.get(groupId) !== tierId) await gql(SET, { tenantId, groupId, tierId });
      for (const groupId of saved.keys()) if (!proposed.has(groupId)) await gql(REMOVE, { tenantId, groupId });
      await load();
      setStatus('Saved. Your mapping applies from now on.');
    } catch (err) {
      setError(err.message);
    } finally {
      setSaving(false);
    }
  };

  const tierName = (id) => tiers.find((t) => t.id === id)?.name ?? '?';
  const mappedNotListed = [...proposed.keys()].filter((id) => !groups?.some((g) => g.id === id));
  const busy = previewing || mappings !== debouncedMappings;

  return (
    <section aria-labelledby="step-title">
      <h1 id="step-title" tabIndex={-1} ref={heading}>
        Map groups to access tiers
      </h1>
      <p>
        People get the {session.branding.productName} tier of the groups they belong to (directly or through nested groups); someone in several mapped
        groups gets the highest tier.
      </p>
      {error ? (
        <p class="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {loaded && tiers.length === 0 ? (
        <p class="notice warning">{session.branding.productName} has not defined its access tiers yet, so there is nothing to map groups to. Ask its support.</p>
      ) : null}
      <div class="filters">
        <label>
          Search groups
          <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="Name starts with…" autocomplete="off" />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="">All groups</option>
            <option value="SECURITY">Security</option>
            <option value="MICROSOFT_365">Microsoft 365</option>
            <option value="DYNAMIC">Dynamic</option>
          </select>
        </label>
      </div>
      <ul class="groups" aria-label="Groups" aria-busy={groups === null ? 'true' : 'false'}>
        {mappedNotListed.map((id) => (
          <GroupRow key={id} group={known.get(id) ?? { id, displayName: id }} tiers={tiers} value={proposed.get(id) ?? ''} onChoose={choose} />
        ))}
        {groups === null ? <li class="loading">Searching…</li> : null}
        {groups?.length === 0 ? <li class="loading">No group matches.</li> : null}
        {groups?.map((g) => (
          <GroupRow key={g.id} group={g} tiers={tiers} value={proposed.get(g.id) ?? ''} onChoose={choose} />
        ))}
      </ul>

      <h2>Preview</h2>
      <div class="preview" aria-live="polite" aria-busy={busy ? 'true' : 'false'} data-ready={!busy && preview ? 'true' : 'false'}>
        {preview ? (
          <>
            <table>
              <caption>Users per tier ({preview.usersConsidered} users in mapped groups)</caption>
              <thead>
                <tr>
                  <th scope="col">Tier</th>
                  <th scope="col">Now</th>
                  <th scope="col">After saving</th>
                </tr>
              </thead>
              <tbody>
                {preview.tiers.map((t) => (
                  <tr key={t.tier.id} data-tier={t.tier.name}>
                    <th scope="row">{t.tier.name}</th>
                    <td class="now">{t.currentCount}</td>
                    <td class="after">{t.proposedCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p class="changes-count">
              <strong>{preview.changes.length}</strong> {preview.changes.length === 1 ? 'user changes' : 'users change'} tier.
            </p>
            {preview.changes.length ? (
              <details>
                <summary>Who changes tier</summary>
                <ul class="changes">
                  {preview.changes.slice(0, 50).map((c) => (
                    <li key={c.user.id}>
                      {c.user.displayName ?? c.user.userPrincipalName}: {c.from?.name ?? 'no tier'} → {c.to?.name ?? 'no tier'}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
            {preview.warnings.map((w) => (
              <p key={w.code + (w.message ?? '')} class="notice warning">
                {w.message}
              </p>
            ))}
          </>
        ) : (
          <p>Working out the preview…</p>
        )}
      </div>
      <h2>Your mapping</h2>
      {proposed.size === 0 ? (
        <p>No group is mapped yet.</p>
      ) : (
        <ul class="summary">
          {[...proposed].map(([groupId, tierId]) => (
            <li key={groupId}>
              {known.get(groupId)?.displayName ?? groupId} → <strong>{tierName(tierId)}</strong>
            </li>
          ))}
        </ul>
      )}
      {status ? (
        <p class="notice ok" role="status">
          {status}
        </p>
      ) : null}
      <div class="actions">
        <button type="button" class="primary" onClick={save} disabled={!changed || saving || busy}>
          {saving ? 'Saving…' : 'Save mapping'}
        </button>
        {next ? (
          <button type="button" onClick={() => go(next)} disabled={changed}>
            Continue to status
          </button>
        ) : null}
      </div>
    </section>
  );
}

function GroupRow({ group, tiers, value, onChoose }) {
  const id = `tier-${group.id}`;
  return (
    <li class="group">
      <div class="group-info">
        <span class="group-name" id={`name-${group.id}`}>
          {group.displayName ?? group.id}
        </span>
        <span class="badges">
          {group.kind ? <span class="badge">{KINDS[group.kind] ?? group.kind}</span> : null}
          {group.dynamic ? <span class="badge">Dynamic</span> : null}
          {typeof group.memberCount === 'number' ? <span class="members">{group.memberCount} direct members</span> : null}
        </span>
      </div>
      <div class="tier-choice">
        <label class="visually-hidden" for={id}>
          Tier for {group.displayName ?? group.id}
        </label>
        <select id={id} value={value} onChange={(e) => onChoose(group.id, e.currentTarget.value)}>
          <option value="">No tier</option>
          {tiers.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </div>
    </li>
  );
}
