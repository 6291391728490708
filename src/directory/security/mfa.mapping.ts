/** analyzeMfaEnforcement's result -> the MfaEnforcement GraphQL type. Pure. */
import type { MfaEnforcement as Analysis, PolicyFinding, Principal } from '../mfa-analysis';
import { MfaEnforcementLevel, MfaGrantKind, MfaPrincipalKind, type MfaEnforcement, type MfaPolicyFinding, type MfaPrincipal } from './mfa.types';
import { policyState } from './policy.mapping';

export function toMfaEnforcement(analysis: Analysis): MfaEnforcement {
  const { exclusions } = analysis;
  return {
    appId: analysis.appId,
    enforced: MfaEnforcementLevel[analysis.enforced],
    coverage: { ...analysis.coverage },
    exclusions: {
      users: exclusions.users,
      groups: exclusions.groups,
      roles: exclusions.roles,
      guests: exclusions.guests,
      overlaps: exclusions.overlaps.map((principals) => ({ principals: principals.map(toPrincipal) })),
      appExcludedBy: exclusions.appExcludedBy.map(toFinding),
    },
    decidingPolicies: analysis.decidingPolicies.map(toFinding),
    blockingPolicies: analysis.blockingPolicies.map(toFinding),
    partialPolicies: analysis.partialPolicies.map(toFinding),
    reportOnlyPolicies: analysis.reportOnlyPolicies.map(toFinding),
    disabledPolicies: analysis.disabledPolicies.map(toFinding),
  };
}

function toFinding(finding: PolicyFinding): MfaPolicyFinding {
  return {
    policyId: finding.id,
    displayName: finding.displayName,
    state: policyState(finding.state),
    grant: MfaGrantKind[finding.grant],
    reason: finding.reason,
  };
}

function toPrincipal(principal: Principal): MfaPrincipal {
  return { kind: MfaPrincipalKind[principal.kind], id: principal.kind === 'GUESTS' ? null : principal.id };
}
