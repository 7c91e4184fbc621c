// Why a scene did not start: another is playing (409), or there is no scene by that name (404).
export class SceneBusy extends Error {}
export class SceneUnknown extends Error {}
