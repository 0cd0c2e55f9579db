/**
 * Attack types now live in the bottom layer, `core/attack_type.ts`; this re-export keeps detector
 * imports short.
 *
 * @module
 */
export {
  ATTACK_TYPES,
  type AttackInfo,
  ATTACKS,
  type AttackType,
  isAttackType,
  tab20Color,
} from "../core/attack_type.ts";
