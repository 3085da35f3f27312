// Weekly schedules in the facility's time zone: the pure functions live in
// common/ (central reads the same schedules to know a facility's occupied
// hours, for the comfort alarm).
export {
  isOccupied,
  isTimeZone,
  type LocalTime,
  localTimeIn,
  type ScheduledValue,
  scheduledValues,
} from "../../common/control-schedule.ts";
