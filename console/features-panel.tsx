import { useState } from 'preact/hooks';
import { graphql } from './api.js';
import { Confirm } from './confirm.js';
import type { TenantSummary } from './tenant-page.js';
import { messageOf, useLoad } from './use-load.js';
import { ErrorMessage } from './messages.js';

type Feature = { name: string; description: string; enabled: boolean; available: boolean; tierRequired: string };
type Features = { features: Feature[]; totalEnabled: number; totalAvailable: number };

const fields = 'features { name description enabled available tierRequired } totalEnabled totalAvailable';

/** The tenant's feature switches; turning one off (what callers rely on goes away) asks first. */
export function FeaturesPanel({ apiKey, tenant, canWrite }: { apiKey: string; tenant: TenantSummary; canWrite: boolean }) {
  const loaded = useLoad(
    () =>
      graphql<{ tenantFeatures: Features }>(apiKey, `query ConsoleFeatures($tenant: ID!) { tenantFeatures(tenant: $tenant) { ${fields} } }`, {
        tenant: tenant.id,
      }),
    [apiKey, tenant.id],
  );
  const [features, setFeatures] = useState<Features>();
  const [turningOff, setTurningOff] = useState<Feature>();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const shown = features ?? loaded.data?.tenantFeatures;

  const set = async (feature: Feature, enabled: boolean) => {
    setTurningOff(undefined);
    setBusy(feature.name);
    setError(undefined);
    try {
      const answer = await graphql<{ setTenantFeature: Features }>(
        apiKey,
        `mutation ConsoleSetFeature($tenant: ID!, $feature: String!, $enabled: Boolean!) { setTenantFeature(tenant: $tenant, feature: $feature, enabled: $enabled) { ${fields} } }`,
        { tenant: tenant.id, feature: feature.name, enabled },
      );
      setFeatures(answer.setTenantFeature);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section class="card" aria-labelledby="features-title">
      <h2 id="features-title">
        Features {shown && <span class="muted count">{`${shown.totalEnabled} on, ${shown.totalAvailable} in the ${tenant.tier.toLowerCase()} plan`}</span>}
      </h2>
      <ErrorMessage text={loaded.error} />
      <ErrorMessage text={error} />
      {!shown && !loaded.error && <p aria-live="polite">Loading features…</p>}
      {shown && (
        <ul class="switches">
          {shown.features.map((feature) => (
            <li key={feature.name} class={feature.available ? '' : 'unavailable'}>
              <label class="switch">
                <input
                  type="checkbox"
                  role="switch"
                  aria-checked={feature.enabled}
                  checked={feature.enabled}
                  disabled={!canWrite || busy !== undefined || (!feature.available && !feature.enabled)}
                  aria-describedby={`feature-${feature.name}`}
                  onClick={(event) => {
                    event.preventDefault();
                    if (feature.enabled) setTurningOff(feature);
                    else void set(feature, true);
                  }}
                />
                <code>{feature.name}</code>
              </label>
              <span id={`feature-${feature.name}`} class="muted">
                {feature.description}
                {!feature.available && ` (needs the ${feature.tierRequired.toLowerCase()} plan)`}
              </span>
            </li>
          ))}
        </ul>
      )}
      {turningOff && (
        <Confirm
          title="Turn this feature off?"
          action={`Turn off ${turningOff.name}`}
          onConfirm={() => void set(turningOff, false)}
          onCancel={() => setTurningOff(undefined)}
        >
          <p>
            <code>{turningOff.name}</code> stops for <strong>{tenant.slug}</strong> at once: {turningOff.description.replace(/\.$/, '')}.
            {!turningOff.available && ` Its plan (${tenant.tier.toLowerCase()}) does not include it, so it cannot be turned on again without a plan change.`}
          </p>
        </Confirm>
      )}
    </section>
  );
}
