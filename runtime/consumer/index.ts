export { RemoteInputChannel, type ChannelConnection, type ChannelOwner } from './remote-input-channel.js';
export { LocalInputChannel } from './local-input-channel.js';
export type { InputChannel, InputChannelOwner } from './input-channel.js';
export { SingleInputGate, type InputChannelSpec, type SingleInputGateOptions, type InputGateStats } from './single-input-gate.js';
export { ConnectionManager, ClientConnection, type DataAddress } from './client-connection.js';
