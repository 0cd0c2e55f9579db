/**
 * What a flow's evidence says about whether it became a conversation — the test that separates a
 * probe (an attempt that never became one) from ordinary traffic, shared by the port-scan,
 * exploit-probe and SYN-flood verdicts.
 *
 * @module
 */
import { IpProto } from "../decode/packet.ts";
import { FlowState, type FlowTable } from "../flow/flow_table.ts";

/**
 * True when a TCP flow's state bits show a conversation: the handshake completed, or either side
 * sent payload (a one-sided capture never sees the SYN-ACK, but the client's data proves the
 * handshake happened), or — for a flow picked up mid-stream — the other side answered with anything
 * but a reset (an idle connection's keep-alive is answered with an ACK; an ACK or FIN/ACK probe with
 * a RST or nothing).
 */
export function tcpConversation(state: number): boolean {
  if ((state & (FlowState.ESTABLISHED | FlowState.INIT_DATA | FlowState.RESP_DATA)) !== 0) return true;
  return (state & FlowState.MIDSTREAM) !== 0 && (state & FlowState.REPLIED) !== 0 && (state & FlowState.RST) === 0;
}

/**
 * True when a TCP flow that is no conversation will not become one: it was reset, or its SYN-ACK was
 * sent again (the client never completed the handshake). A single SYN-ACK is not enough: the
 * client's ACK may be the next packet.
 */
export function tcpRefused(flows: FlowTable, slot: number): boolean {
  const state = flows.state(slot);
  if (tcpConversation(state)) return false;
  return (state & FlowState.RST) !== 0 || ((state & FlowState.SYN_ACK) !== 0 && flows.packets(slot, 1) >= 2);
}

/** True when the flow in `slot` (TCP, UDP or other) became a conversation (UDP and others: answered). */
export function isConversation(flows: FlowTable, slot: number): boolean {
  const st = flows.state(slot);
  return flows.proto(slot) === IpProto.TCP ? tcpConversation(st) : (st & FlowState.REPLIED) !== 0;
}
