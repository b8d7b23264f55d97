import { builder } from '../../graphql/builder.js';

export const DataPlaneRotationRef = builder.objectRef<{ rotated: number }>('DataPlanePasswordRotation').implement({
  description: "A rotation of the data plane's login passwords",
  fields: (t) => ({ rotated: t.exposeInt('rotated', { description: 'Logins given a new password' }) }),
});
