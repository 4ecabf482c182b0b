import { courseSuite } from "../../helpers/course-suite.ts";

courseSuite(3, 4);
