export { launchdLogPath, launchdPlistPath, renderLaunchdPlist } from './launchd.js';
export {
  type CommandRunner,
  defaultPlatform,
  type InstallResult,
  install,
  type Platform,
  runCommand,
  type StatusResult,
  status,
  type UninstallResult,
  uninstall,
} from './manager.js';
export {
  currentCli,
  type GlobalPaths,
  LAUNCHD_LABEL,
  PASSED_ENV,
  type ServiceSpec,
  serviceSpec,
} from './spec.js';
export { renderSystemdUnit, systemdUnitPath, UNIT_NAME } from './systemd.js';
