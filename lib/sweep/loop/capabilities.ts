/**
 * What a trial store can do, declared by the store itself (`storage.capabilities`), so the trial
 * loop never asks which class a store is. A store that declares nothing is read from the optional
 * methods it has (a test double with `heartbeat` takes heartbeats), and is not shared.
 */
import type { TrialStorage } from '../storage/storage';

export interface StoreCapabilities {
  /**
   * Other processes may claim and finish trials of the same sweep (PostgreSQL): the loop polls
   * the store for their progress and enqueues ready trials ahead so they can take them. False for
   * a single-writer store (the folder's journal): everything the loop needs to know it wrote itself.
   */
  shared: boolean;
  /** The store judges a running attempt alive by heartbeats: the loop sends them while it runs. */
  heartbeats: boolean;
  /**
   * Writes for a stale attempt are refused and said so (`beat`/`recordOwnedEpoch` resolve false,
   * `finishTrial` throws TrialStateError): the loop then gives the attempt up without recording it.
   */
  fencedWrites: boolean;
}

/** The capabilities `storage` declares, or what its optional methods imply when it declares none. */
export function capabilitiesOf(storage: TrialStorage): StoreCapabilities {
  if (storage.capabilities !== undefined) return storage.capabilities;
  return {
    shared: false,
    heartbeats: storage.heartbeat !== undefined || storage.beat !== undefined,
    fencedWrites: storage.beat !== undefined && storage.recordOwnedEpoch !== undefined,
  };
}
