export {
  DOCKER_HUB,
  isValidTag,
  normaliseRegistry,
  parseReference,
  parseRepository,
  type Reference,
  type Repository,
} from "./reference.js";
