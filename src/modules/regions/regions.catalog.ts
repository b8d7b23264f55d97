export type Region = {
  id: string;
  label: string;
  /** ZONE: a TenantsDB placement zone (seed 002); CLOUD: a cloud region (seed 003). */
  kind: 'ZONE' | 'CLOUD';
  geography: 'EUROPE' | 'NORTH_AMERICA' | 'ASIA_PACIFIC';
  isDefault: boolean;
};

export const regionCatalog: readonly Region[] = [
  { id: 'eu-central', label: 'Europe', kind: 'ZONE', geography: 'EUROPE', isDefault: true },
  { id: 'ap-southeast', label: 'Asia Pacific', kind: 'ZONE', geography: 'ASIA_PACIFIC', isDefault: false },
  { id: 'us-east', label: 'US East', kind: 'ZONE', geography: 'NORTH_AMERICA', isDefault: false },
  { id: 'us-west', label: 'US West', kind: 'ZONE', geography: 'NORTH_AMERICA', isDefault: false },
  { id: 'us-east-1', label: 'US East (N. Virginia)', kind: 'CLOUD', geography: 'NORTH_AMERICA', isDefault: false },
  { id: 'us-west-2', label: 'US West (Oregon)', kind: 'CLOUD', geography: 'NORTH_AMERICA', isDefault: false },
  { id: 'ca-central-1', label: 'Canada (Central)', kind: 'CLOUD', geography: 'NORTH_AMERICA', isDefault: false },
  { id: 'eu-west-1', label: 'Europe (Ireland)', kind: 'CLOUD', geography: 'EUROPE', isDefault: false },
  { id: 'eu-central-1', label: 'Europe (Frankfurt)', kind: 'CLOUD', geography: 'EUROPE', isDefault: false },
  { id: 'eu-north-1', label: 'Europe (Stockholm)', kind: 'CLOUD', geography: 'EUROPE', isDefault: false },
  { id: 'ap-southeast-1', label: 'Asia Pacific (Singapore)', kind: 'CLOUD', geography: 'ASIA_PACIFIC', isDefault: false },
  { id: 'ap-northeast-1', label: 'Asia Pacific (Tokyo)', kind: 'CLOUD', geography: 'ASIA_PACIFIC', isDefault: false },
  { id: 'ap-south-1', label: 'Asia Pacific (Mumbai)', kind: 'CLOUD', geography: 'ASIA_PACIFIC', isDefault: false },
];

export const defaultRegion = regionCatalog.find((region) => region.isDefault)!.id;
export const regionIds = new Set(regionCatalog.map((region) => region.id));
