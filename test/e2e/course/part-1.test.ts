import { courseSuite } from "../../helpers/course-suite.ts";

courseSuite(0, 4);
