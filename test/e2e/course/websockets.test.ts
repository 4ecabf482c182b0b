import { courseSuite } from "../../helpers/course-suite.ts";

courseSuite(9, 13);
