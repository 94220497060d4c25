// The public API of pulumi-progressive-delivery.
export const PACKAGE_NAME = "pulumi-progressive-delivery";
