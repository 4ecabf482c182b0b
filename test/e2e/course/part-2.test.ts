import { courseSuite } from "../../helpers/course-suite.ts";

courseSuite(1, 4);
