import { courseSuite } from "../../helpers/course-suite.ts";

courseSuite(14, 18);
