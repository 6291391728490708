/** POST /directoryObjects/getByIds and GET /organization. */
import { badRequest } from '../../errors';
import { listCollection } from '../collection';
import { ENTITY_OF_KIND, ORGANIZATION } from '../entities';
import { contextUrl, json, type Call } from '../http';
import { directoryObject } from '../lookup';
import type { RouteDef } from '../route';
import { projectTyped } from '../serialize';
import { objectBody } from './body';

/** Microsoft documents up to 1000 ids per getByIds call. */
const MAX_IDS = 1000;
const TYPE_NAMES = Object.keys(ENTITY_OF_KIND);
const TYPE_LOWER = new Map(TYPE_NAMES.map((t) => [t.toLowerCase(), t]));

function getByIds(call: Call) {
  const body = objectBody(call.req);
  const ids = body.ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
    throw badRequest(`'ids' must be a non-empty array of object id strings, got ${JSON.stringify(ids)}.`);
  }
  if (ids.length > MAX_IDS) throw badRequest(`'ids' holds ${ids.length} ids; at most ${MAX_IDS} are allowed.`);
  const types = body.types === undefined ? TYPE_NAMES : body.types;
  // Type names are matched case-insensitively, as Graph does ("User" and "user" are the same type).
  const wanted = Array.isArray(types) ? types.map((t) => (typeof t === 'string' ? TYPE_LOWER.get(t.toLowerCase()) : undefined)) : [undefined];
  if (!Array.isArray(types) || wanted.some((t) => t === undefined)) {
    throw badRequest(`'types' must be an array of ${TYPE_NAMES.join(', ')} (in any case); got ${JSON.stringify(body.types)}.`);
  }
  const found = (ids as string[]).flatMap((id) => directoryObject(call, id) ?? []).filter(({ entity }) => wanted.includes(entity.typeName.split('.').pop()!));
  return json(200, {
    '@odata.context': contextUrl(call, 'directoryObjects'),
    value: found.map(({ entity, object }) => projectTyped(entity, object)),
  });
}

export const directoryRoutes: RouteDef[] = [
  { method: 'POST', template: '/directoryObjects/getByIds', permission: 'readDirectoryObjects', readsOnly: true, handler: getByIds },
  {
    method: 'GET',
    template: '/organization',
    permission: 'readOrganization',
    handler: (call) =>
      listCollection(call, { rules: { entity: ORGANIZATION, allowed: ['$select'] }, items: [call.tenant.organization], contextFragment: 'organization', unpaged: true }),
  },
];
