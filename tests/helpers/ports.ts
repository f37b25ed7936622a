// One implementation for tests and bench: the bench is compiled without tests/, so it lives there.
export { freePort } from '../../bench/victoria';
